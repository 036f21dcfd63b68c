import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { lockHolder, sleep } from '../fixtures/lockHolder.js';
import { write } from '../fixtures/storeWrites.js';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'sagachart-lock-')), 'held.db');
const holder = (file: string, ttlMs: number) => lockHolder(['sqlite', file, String(ttlMs)]);

describe('one engine per SQLite file', () => {
  it('should refuse a second store on the same file, naming the file and the holder, until the first closes', async () => {
    const file = tempFile();
    const first = sqliteStore(file);
    await first.init();
    const second = sqliteStore(file);
    const error = await second.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(new RegExp(`held by another engine \\(pid ${process.pid} on `));
    await first.close();
    await second.init();
    await second.commit([write('e1', 1, 0, 1)]);
    await second.close();
  });

  it('should let a read-only store read a held file, and refuse its commits', async () => {
    const file = tempFile();
    const owner = sqliteStore(file);
    await owner.init();
    await owner.commit([write('e1', 1, 0, 2)]);
    const reader = sqliteStore(file, { readOnly: true });
    await reader.init();
    expect(await reader.journal('e1')).toHaveLength(2);
    await expect(reader.commit([write('e2', 1, 0, 1)])).rejects.toThrow(/read-only/);
    await reader.close();
    await owner.close();
  });

  it('should refuse a file held by a live process, and take it over at once when that process is killed', async () => {
    const file = tempFile();
    const other = holder(file, 10_000);
    await other.until(/ready/);
    other.commit();
    await other.until(/committed 1/);
    const refused = await sqliteStore(file)
      .init()
      .catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(new RegExp(`held by another engine \\(pid ${other.child.pid} `));
    other.child.kill('SIGKILL');
    await new Promise((resolve) => other.child.once('exit', resolve));
    const next = sqliteStore(file);
    await next.init();
    const held = await next.get('held');
    expect(held?.revision).toBeGreaterThanOrEqual(1);
    await next.close();
  });

  it('should take over from a stalled holder after the lock TTL and fence the holder when it wakes', async () => {
    const file = tempFile();
    const other = holder(file, 1_000);
    await other.until(/ready/);
    other.commit();
    await other.until(/committed 1/);
    // Stopped while its heartbeat held SQLite's write lock, it would block every writer
    // (SQLite cannot break that lock): stop it again until it stopped between writes.
    for (let tries = 0; ; tries += 1) {
      other.child.kill('SIGSTOP');
      const refused = await sqliteStore(file, { lockTtlMs: 1_000 })
        .init()
        .catch((e: unknown) => e);
      if ((refused as Error).message.includes('held by another engine')) break;
      expect(tries, (refused as Error).message).toBeLessThan(5);
      other.child.kill('SIGCONT');
      await sleep(50);
    }
    await sleep(1_500);
    const next = sqliteStore(file, { lockTtlMs: 1_000 });
    await next.init();
    const revision = (await next.get('held'))?.revision ?? 0;
    await next.commit([write('held', revision + 1, revision, 1, { status: 'Completed' })]);
    other.child.kill('SIGCONT');
    other.commit();
    await other.until(/refused: .*this engine lost its lock/);
    // Nothing the stalled holder tried after the takeover landed.
    expect((await next.get('held'))?.revision).toBe(revision + 1);
    expect((await next.get('held'))?.status).toBe('Completed');
    await next.close();
  });
});
