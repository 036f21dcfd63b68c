import { createActor, waitFor } from 'xstate';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, compile, defineSaga, step } from '../src/index.js';
import { recorder } from './fixtures/recorder.js';

describe('compile', () => {
  const r = recorder();
  const saga = defineSaga({
    name: 'chart',
    version: 1,
    input: z.object({}),
    steps: [
      r.step('reserve'),
      r.step('charge', {}, { retry: { maxAttempts: 3 }, timeoutMs: 5_000 }),
      awaitEvent('fraudCheck', { event: 'fraud.cleared', timeoutMs: 60_000 }),
      r.step('confirm', {}, { pivot: true, compensate: false }),
      r.step('ship', {}, { compensate: false }),
    ],
  });

  it('should have exactly the five top-level states', () => {
    const machine = compile(saga);
    expect(Object.keys(machine.root.states)).toEqual(['Running', 'Compensating', 'Completed', 'Compensated', 'Failed']);
    expect(machine.root.states['Completed']?.type).toBe('final');
    expect(machine.root.states['Compensated']?.type).toBe('final');
    expect(machine.root.states['Failed']?.type).not.toBe('final');
  });

  it('should have a state per step in order and a compensation per compensable step in reverse', () => {
    const machine = compile(saga);
    expect(Object.keys(machine.root.states['Running']?.states ?? {})).toEqual([
      'reserve',
      'charge',
      'fraudCheck',
      'confirm',
      'ship',
    ]);
    expect(Object.keys(machine.root.states['Compensating']?.states ?? {})).toEqual(['charge', 'reserve']);
    expect(Object.keys(machine.root.states['Running']?.states['charge']?.states ?? {})).toEqual(['run', 'backoff']);
  });

  it('should register all logic by name so the JSON and persisted snapshots are complete', async () => {
    const machine = compile(saga);
    const json = JSON.stringify(machine.toJSON());
    expect(json).toContain('"src":"runStep"');
    expect(json).toContain('"type":"canRetry"');
    const actor = createActor(machine, { input: { executionId: 'x1', input: {} } });
    actor.start();
    await waitFor(actor, (s) => s.matches({ Running: 'fraudCheck' }));
    const persisted = JSON.stringify(actor.getPersistedSnapshot());
    expect(persisted).toContain('"src":"timer"');
    actor.stop();
  });

  it('should run as a plain XState actor without the engine', async () => {
    const machine = compile(saga);
    const actor = createActor(machine, { input: { executionId: 'x2', input: {} } });
    actor.start();
    await waitFor(actor, (s) => s.matches({ Running: 'fraudCheck' }));
    actor.send({ type: 'fraud.cleared', data: { ok: true } });
    const done = await waitFor(actor, (s) => s.status === 'done');
    expect(done.value).toBe('Completed');
    expect(done.context.completed).toEqual(['reserve', 'charge', 'fraudCheck', 'confirm', 'ship']);
  });

  it('should restore a persisted snapshot into a new actor and finish', async () => {
    const calls: string[] = [];
    const s = defineSaga({
      name: 'restore',
      version: 1,
      input: z.object({}),
      steps: [
        step('a', { run: () => calls.push('a'), compensate: 'none' }),
        awaitEvent('go', { event: 'go' }),
        step('b', { run: () => calls.push('b'), compensate: 'none' }),
      ],
    });
    const first = createActor(compile(s), { input: { executionId: 'x3', input: {} } });
    first.start();
    await waitFor(first, (snap) => snap.matches({ Running: 'go' }));
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as never;
    first.stop();
    const second = createActor(compile(s), { snapshot: persisted });
    second.start();
    second.send({ type: 'go' });
    const done = await waitFor(second, (snap) => snap.status === 'done');
    expect(done.value).toBe('Completed');
    expect(calls).toEqual(['a', 'b']);
  });
});
