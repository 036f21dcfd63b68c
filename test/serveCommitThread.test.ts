import { afterEach, describe, expect, it } from 'vitest';
import { serveProcess } from './fixtures/serveProcess.js';
import { holdWriteLock } from './fixtures/writeLockHolder.js';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Whether serve answers /healthz within 2 s while a commit of its waits for another process's write lock. */
async function answersWhileCommitWaits(extraArgs: string[]): Promise<{ answered: boolean; started: number }> {
  const { server, url, db } = await serveProcess(extraArgs);
  stops.push(() => server.kill('SIGKILL'));
  // Less than the store's 5 s busy timeout: the commit waits, then goes through.
  const holder = await holdWriteLock(db, 4_000);
  stops.push(() => holder.kill('SIGKILL'));
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
