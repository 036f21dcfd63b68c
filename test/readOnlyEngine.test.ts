import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SagaEngine, StoreError } from '../src/index.js';
import { postgresStore } from '../src/postgres.js';
import { sqliteStore } from '../src/sqlite.js';

/** A SQLite file that exists (a read-only store cannot create one). */
async function existingFile(): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'sagachart-')), 'read-only.db');
  const writer = sqliteStore(file);
  await writer.init();
  await writer.close();
  return file;
}

describe('an engine on a read-only store', () => {
  it('should refuse to start, naming the readOnly option', async () => {
    const store = sqliteStore(await existingFile(), { readOnly: true });
    const engine = new SagaEngine({ store, sagas: [] });
    const error = await engine.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/engine cannot run on a read-only store/);
    expect((error as StoreError).message).toContain('readOnly: true');
    expect((error as StoreError).message).not.toContain('nothing can be written');
    await engine.stop();
  });

  it('should refuse a read-only PostgreSQL store before connecting to it', async () => {
    // Nothing listens on port 1: the refusal must come before any connection is tried.
    const store = postgresStore('postgres://sagachart@127.0.0.1:1/none', { readOnly: true });
    const engine = new SagaEngine({ store, sagas: [] });
    const error = await engine.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/engine cannot run on a read-only store.*readOnly: true/);
    await engine.stop();
  });

  it('should still let the read-only store be read', async () => {
    const store = sqliteStore(await existingFile(), { readOnly: true });
    await new SagaEngine({ store, sagas: [] }).start().catch(() => undefined);
    await store.init();
    expect((await store.list()).items).toEqual([]);
    await store.close();
  });
});
