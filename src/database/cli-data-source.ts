// Entry point for the TypeORM CLI (`npm run migration:run`): same options as the service.
import { DataSource } from 'typeorm';
import { loadEnv } from '../config/env';
import { dataSourceOptions } from './data-source';

export default new DataSource(dataSourceOptions(loadEnv(process.env)));
