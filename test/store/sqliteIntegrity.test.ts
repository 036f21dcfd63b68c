import { closeSync, mkdtempSync, openSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { write } from '../fixtures/storeWrites.js';

const PAGE = 4096;

/** A file with enough journal rows to span many pages, closed cleanly (its WAL checkpointed). */
async function filledFile(): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'sagachart-corrupt-')), 'store.db');
  const store = sqliteStore(file);
  await store.init();
  for (let i = 0; i < 200; i += 1) await store.commit([write(`e${i}`, 1, 0, 20)]);
  await store.close();
  return file;
}

function clobberMiddlePage(file: string): void {
  const pages = statSync(file).size / PAGE;
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(PAGE, 0x5a), 0, PAGE, Math.floor(pages / 2) * PAGE);
  closeSync(fd);
}

describe('sqliteStore integrity', () => {
  it('should leave an empty WAL after a clean close', async () => {
    const file = await filledFile();
    expect(statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('should refuse to open a file with a corrupt page, naming the file and what quick_check found', async () => {
    const file = await filledFile();
    clobberMiddlePage(file);
    const error = await sqliteStore(file)
      .init()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(
      /the file is corrupt \(PRAGMA quick_check: .*\); restore it from a backup/,
    );
  });

  it('should open a corrupt file when told to skip the check (integrityCheck: off)', async () => {
    const file = await filledFile();
    clobberMiddlePage(file);
    const store = sqliteStore(file, { integrityCheck: 'off' });
    await store.init();
    await store.close();
  });
});
