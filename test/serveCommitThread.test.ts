import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, serveProcess } from './fixtures/serveProcess.js';

// Another process holds the file's write lock for 4 s (less than the store's 5 s busy timeout).
const HOLD_WRITE_LOCK = `
  const db = new (require('better-sqlite3'))(process.argv[1]);
  db.exec('BEGIN IMMEDIATE; CREATE TABLE other_writer (x)');
  console.log('locked');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 4000);
  db.exec('COMMIT');
`;

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Whether the server answers /healthz within `ms` while a commit of its waits for the lock. */
async function answersWhileCommitWaits(extraArgs: string[]): Promise<{ answered: boolean; started: number }> {
  const { server, url, db } = await serveProcess(extraArgs);
  stops.push(() => server.kill('SIGKILL'));
  const holder = spawn(process.execPath, ['-e', HOLD_WRITE_LOCK, db], { cwd: ROOT });
  stops.push(() => holder.kill('SIGKILL'));
  await new Promise<void>((resolve) =>
    holder.stdout.on('data', (chunk: Buffer) => chunk.includes('locked') && resolve()),
  );
  // The start's write waits for the lock; the request is answered once it is durable.
  const start = fetch(`${url}/api/executions?wait=10000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ saga: 'quick', input: { outcome: 'complete' } }),
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const answered = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );
  const started = await start;
  expect(await started.json()).toMatchObject({ status: 'Completed' });
  return { answered, started: started.status };
}

describe('sagachart serve --commit-thread', () => {
  it('should keep answering requests while a commit waits for the disk or another writer (the default)', async () => {
    expect(await answersWhileCommitWaits([])).toEqual({ answered: true, started: 200 });
  });

  it('should stall every request while a commit waits, with --commit-thread off', async () => {
    expect(await answersWhileCommitWaits(['--commit-thread', 'off'])).toEqual({ answered: false, started: 200 });
  });

  it('should refuse a value other than on or off, naming the flag', async () => {
    await expect(serveProcess(['--commit-thread', 'yes'])).rejects.toThrow('--commit-thread must be on or off');
  });
});
