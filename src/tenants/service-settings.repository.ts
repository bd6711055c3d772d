import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** `service_settings`: what the running service publishes for the operator CLI (global rows, no tenant). */
@Injectable()
export class ServiceSettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async get(name: string): Promise<string | null> {
    const rows = await this.dataSource.query<{ value: string }[]>(
      `SELECT value FROM service_settings WHERE name = $1`,
      [name],
    );
    return rows[0]?.value ?? null;
  }

  async put(name: string, value: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO service_settings (name, value, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
       WHERE service_settings.value IS DISTINCT FROM EXCLUDED.value`,
      [name, value],
    );
  }
}
