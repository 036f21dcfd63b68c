import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  awaitEvent,
  defineSaga,
  DefinitionMismatchError,
  memoryStore,
  SagaEngine,
  step,
  type SagaStore,
} from '../src/index.js';
import { postgresStore } from '../src/postgres.js';
import { sqliteStore } from '../src/sqlite.js';
import { freshSchema, POSTGRES_URL, postgresAvailable } from './fixtures/postgres.js';
import { startEngine, ticks } from './fixtures/engine.js';
import { recorder } from './fixtures/recorder.js';

const input = z.object({});

/** Each call opens the same place anew, as a new process would. */
type Reopen = () => SagaStore;

function memoryPlace(): Reopen {
  const store = memoryStore();
  return () => store;
}

function sqlitePlace(): Reopen {
  const file = join(mkdtempSync(join(tmpdir(), 'sagachart-')), 'restart.db');
  return () => sqliteStore(file);
}

function postgresPlace(): Reopen {
  const schema = freshSchema();
  return () => postgresStore(POSTGRES_URL, { schema });
}

const places: [string, () => Reopen][] = [
  ['memory', memoryPlace],
  ['sqlite', sqlitePlace],
  ...((await postgresAvailable()) ? [['postgres', postgresPlace] as [string, () => Reopen]] : []),
];

describe.each(places)('stop and resume on the same %s store', (_, place) => {
  it('should resume an unfinished execution in a new engine', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'resumable',
      version: 1,
      input,
      steps: [r.step('a'), awaitEvent('go', { event: 'go' }), r.step('b')],
    });
    const reopen = place();
    const first = await startEngine([saga], reopen());
    const { id } = await first.execute(saga, {});
    await ticks(10);
    await first.stop();

    const second = await startEngine([saga], reopen());
    await second.send(id, { type: 'go' });
    expect((await second.waitFor(id)).status).toBe('Completed');
    expect(r.calls).toEqual(['a', 'b']);
    const seqs = (await second.journal(id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('should refuse to resume on a changed shape under the same version', async () => {
    const v1 = defineSaga({ name: 'shape', version: 1, input, steps: [awaitEvent('go', { event: 'go' })] });
    const reopen = place();
    const first = await startEngine([v1], reopen());
    const { id } = await first.execute(v1, {});
    await first.stop();

    const changed = defineSaga({
      name: 'shape',
      version: 1,
      input,
      steps: [step('new', { run: () => 1, compensate: 'none' }), awaitEvent('go', { event: 'go' })],
    });
    const second = await startEngine([changed], reopen());
    const error = await second.send(id, { type: 'go' }).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(DefinitionMismatchError);
    const mismatch = error as DefinitionMismatchError;
    expect(mismatch.message).toContain('Saga "shape" version 1 changed shape');
    expect(mismatch.storedHash).toBe(v1.hash);
    expect(mismatch.currentHash).toBe(changed.hash);
    expect((await second.get(id)).status).toBe('Running');
  });

  it('should report from start() the moving executions it refused to resume', async () => {
    // A step in flight when the engine stops: start() must resume it (a parked wait stays in the store).
    const hang = () => new Promise<never>(() => undefined);
    const v1 = defineSaga({ name: 'report', version: 1, input, steps: [step('a', { run: hang, compensate: 'none' })] });
    const reopen = place();
    const first = await startEngine([v1], reopen());
    const { id } = await first.execute(v1, {});
    await ticks(5);
    await first.stop();
    const changed = defineSaga({
      name: 'report',
      version: 1,
      input,
      steps: [step('b', { run: hang, compensate: 'none' })],
    });
    const { SagaEngine } = await import('../src/index.js');
    const engine = new SagaEngine({ store: reopen(), sagas: [changed] });
    const report = await engine.start();
    expect(report.resumed).toBe(0);
    expect(report.refused.map((r) => [r.id, r.error.code])).toEqual([[id, 'DEFINITION_MISMATCH']]);
    await engine.stop();
  });

  it('should resume old executions on their own version while new ones use the newest', async () => {
    const calls: string[] = [];
    const v1 = defineSaga({
      name: 'versions',
      version: 1,
      input,
      steps: [awaitEvent('go', { event: 'go' }), step('old', { run: () => calls.push('old'), compensate: 'none' })],
    });
    const v2 = defineSaga({
      name: 'versions',
      version: 2,
      input,
      steps: [awaitEvent('go', { event: 'go' }), step('new', { run: () => calls.push('new'), compensate: 'none' })],
    });
    const reopen = place();
    const first = await startEngine([v1], reopen());
    const old = await first.execute(v1, {});
    await first.stop();

    const second = await startEngine([v1, v2], reopen());
    const fresh = await second.execute('versions', {});
    expect((await second.get(fresh.id)).version).toBe(2);
    await second.send(old.id, { type: 'go' });
    await second.send(fresh.id, { type: 'go' });
    await second.waitFor(old.id);
    await second.waitFor(fresh.id);
    expect(calls.sort()).toEqual(['new', 'old']);
  });

  it('should resume each execution once when start() is called twice at once', async () => {
    let calls = 0;
    const saga = defineSaga({
      name: 'started-twice',
      version: 1,
      input,
      steps: [
        step('slow', {
          run: () => {
            calls += 1;
            return new Promise(() => undefined);
          },
          compensate: 'none',
        }),
      ],
    });
    const reopen = place();
    const first = await startEngine([saga], reopen());
    await first.execute(saga, {});
    // (A store over the network, PostgreSQL, takes more than a few ticks under load.)
    await expect.poll(() => calls).toBe(1);
    await first.stop();
    const second = new SagaEngine({ store: reopen(), sagas: [saga] });
    const [a, b] = await Promise.all([second.start(), second.start()]);
    await expect.poll(() => calls).toBe(2);
    await ticks(10);
    expect(a).toEqual(b);
    expect(a.resumed).toBe(1);
    expect(calls).toBe(2);
    await second.stop();
  });
});
