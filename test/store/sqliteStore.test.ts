import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqliteSchema.js';
import { write } from '../fixtures/storeWrites.js';
import { holdWriteLock } from '../fixtures/writeLockHolder.js';
import { runUnprivileged } from '../fixtures/unprivilegedChild.js';
import { describeStoreContract } from './storeContract.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'sagachart-'));

describeStoreContract('sqlite', () => Promise.resolve(sqliteStore(join(tempDir(), 'store.db'))));
describeStoreContract('sqlite, commits on their own thread', () =>
  Promise.resolve(sqliteStore(join(tempDir(), 'store.db'), { commitThread: true })),
);

describe('sqliteStore', () => {
  it('should keep what it committed across close and reopen', async () => {
    const file = join(tempDir(), 'keep.db');
    const first = sqliteStore(file);
    await first.init();
    await first.commit([write('e1', 1, 0, 3)]);
    await first.close();
    const second = sqliteStore(file);
    await second.init();
    expect((await second.get('e1'))?.lastSeq).toBe(3);
    expect(await second.journal('e1')).toHaveLength(3);
    await second.close();
  });

  it('should use WAL, synchronous FULL by default, and record its schema version', async () => {
    const file = join(tempDir(), 'pragmas.db');
    const store = sqliteStore(file);
    await store.init();
    await store.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    db.close();
  });

  it('should keep the journal append-only even against direct SQL', async () => {
    const file = join(tempDir(), 'append.db');
    const store = sqliteStore(file);
    await store.init();
    await store.commit([write('e1', 1, 0, 1)]);
    await store.close();
    const db = new Database(file);
    expect(() => db.prepare('DELETE FROM journal').run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE journal SET type = 'x'").run()).toThrow(/append-only/);
    db.close();
  });

  it("should wait for another process's write lock instead of failing the commit at once", async () => {
    const file = join(tempDir(), 'shared.db');
    const store = sqliteStore(file);
    await store.init();
    // Another process writes to the same file (a second store opening it, a backup, a migration)
    // and holds the write lock for a moment.
    await holdWriteLock(file, 1_000);
    await store.commit([write('e1', 1, 0, 2)]);
    expect(await store.journal('e1')).toHaveLength(2);
    await store.close();
  });

  it("should keep the main thread running, with commitThread, while a commit waits for another process's write lock", async () => {
    const file = join(tempDir(), 'thread.db');
    const store = sqliteStore(file, { commitThread: true });
    await store.init();
    await holdWriteLock(file, 1_000);
    // The commit waits on its own thread for the other process: timers here keep firing meanwhile.
    let ticks = 0;
    const ticking = setInterval(() => (ticks += 1), 10);
    await store.commit([write('e1', 1, 0, 2)]);
    clearInterval(ticking);
    expect(ticks).toBeGreaterThan(0);
    expect(await store.journal('e1')).toHaveLength(2);
    await store.close();
  });

  it('should name the path when the directory does not exist', async () => {
    const path = join(tempDir(), 'missing', 'store.db');
    const error = await sqliteStore(path)
      .init()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/does not exist/);
  });

  it('should name the path when the file is not a database, and leave it untouched', async () => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'these are my notes, not a database '.repeat(100));
    const error = await sqliteStore(path)
      .init()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/not a database/);
  });

  it('should name the path when the file is read-only, and write nothing', (ctx) => {
    const dir = tempDir();
    // Readable by the unprivileged child; only this test's own files are in it.
    chmodSync(dir, 0o755);
    const path = join(dir, 'readonly.db');
    new Database(path).close();
    chmodSync(path, 0o444);
    const run = runUnprivileged(join(import.meta.dirname, '..', 'fixtures', 'openSqliteStore.ts'), [path], dir);
    if ('cannot' in run) {
      const why = `Skipping the read-only file test: no unprivileged user to open it as (${run.cannot})`;
      console.warn(why);
      return ctx.skip(why);
    }
    const outcome = JSON.parse(run.child.stdout.trim() || '{}') as { ok: boolean; code?: string; message?: string };
    expect(outcome, run.child.stderr).toMatchObject({ ok: false, code: 'STORE' });
    expect(outcome.message).toContain(path);
    expect(outcome.message).toMatch(/readonly/);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'executions'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('should name the path when it is a directory', async () => {
    const dir = tempDir();
    await expect(sqliteStore(dir).init()).rejects.toThrow(new RegExp(`${dir}.*directory`));
  });
});
