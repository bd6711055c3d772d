import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Env } from '../config/env';
import { dataSourceOptions } from './data-source';
import { UnitOfWork } from './unit-of-work';

@Global()
@Module({
  imports: [TypeOrmModule.forRootAsync({ inject: [Env], useFactory: (env: Env) => dataSourceOptions(env) })],
  providers: [UnitOfWork],
  exports: [UnitOfWork],
})
export class DatabaseModule {}
