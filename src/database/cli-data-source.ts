// Entry point for the TypeORM CLI (`npm run migration:run`): the service's options, as the tables' owner.
import { DataSource } from 'typeorm';
import { loadEnv } from '../config/env';
import { migrationDataSourceOptions } from './data-source';

export default new DataSource(migrationDataSourceOptions(loadEnv(process.env)));
