import type pg from 'pg';

/**
 * Runs `fn` in one transaction on a client of `pool`: COMMIT when it resolves,
 * ROLLBACK when it throws (a failed rollback is ignored: the error that matters
 * is `fn`'s), and the client goes back to the pool either way.
 *
 * @internal
 */
export async function pgTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    client.release();
  }
}
