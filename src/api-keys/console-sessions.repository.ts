import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface SessionRow {
  keyId: string;
  expiresAt: Date;
}

/** Raw SQL on `console_sessions`, a global table read by the hash of the cookie value (SECURITY.md CON-02). */
@Injectable()
export class ConsoleSessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(manager: EntityManager, idHash: Buffer, keyId: string, minutes: number): Promise<Date> {
    const [row] = await manager.query<{ expiresAt: Date }[]>(
      `INSERT INTO console_sessions (id_hash, key_id, expires_at)
       VALUES ($1, $2, now() + make_interval(mins => $3)) RETURNING expires_at AS "expiresAt"`,
      [idHash, keyId, minutes],
    );
    return new Date(row.expiresAt);
  }

  /** The session if it has not expired; expired rows are removed by sign-in (`deleteExpired`), never used. */
  async findLive(idHash: Buffer): Promise<SessionRow | null> {
    const rows = await this.dataSource.query<SessionRow[]>(
      `SELECT key_id AS "keyId", expires_at AS "expiresAt" FROM console_sessions
       WHERE id_hash = $1 AND expires_at > now()`,
      [idHash],
    );
    return rows[0] ? { keyId: rows[0].keyId, expiresAt: new Date(rows[0].expiresAt) } : null;
  }

  async delete(manager: EntityManager, idHash: Buffer): Promise<SessionRow | null> {
    const [rows] = await manager.query<[SessionRow[], number]>(
      `DELETE FROM console_sessions WHERE id_hash = $1 RETURNING key_id AS "keyId", expires_at AS "expiresAt"`,
      [idHash],
    );
    return rows[0] ?? null;
  }

  /** Housekeeping on each sign-in, so the table holds live sessions only (a few rows per staff member). */
  async deleteExpired(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM console_sessions WHERE expires_at <= now()`);
  }
}
