import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BackgroundConnections } from '../database/background-connections';

/** Where a follower of the all-tenants feed (the NATS publisher) has got to: `feed_cursors`. */
@Injectable()
export class FeedCursors {
  constructor(private readonly connections: BackgroundConnections) {}

  /** Work after a commit, on the background pool (BackgroundConnections). */
  private get dataSource(): DataSource {
    return this.connections.dataSource;
  }

  /** The saved position; a follower that never saved one starts at the oldest event kept. */
  async get(name: string): Promise<bigint> {
    const [row] = await this.dataSource.query<{ position: string }[]>(
      `SELECT coalesce((SELECT position FROM feed_cursors WHERE name = $1),
         (SELECT purged_position FROM change_feed_head WHERE id = 1))::text AS position`,
      [name],
    );
    return BigInt(row.position);
  }

  async set(name: string, position: bigint): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO feed_cursors (name, position, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (name) DO UPDATE
       SET position = greatest(feed_cursors.position, EXCLUDED.position), updated_at = EXCLUDED.updated_at`,
      [name, position.toString()],
    );
  }
}
