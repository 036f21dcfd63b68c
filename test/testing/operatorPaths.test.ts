import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, parallel, step } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';
import { runSagaPath, sagaPaths } from '../../src/testing/index.js';

/** A travel booking: a retrying step, a group of two compensable branches, a pivot and retrying steps after it. */
function travel() {
  const held = new Set<string>();
  const apply = ({ idempotencyKey }: { idempotencyKey: string }) => (held.add(idempotencyKey), { ref: idempotencyKey });
  const undo = ({ idempotencyKey }: { idempotencyKey: string }) =>
    void held.delete(idempotencyKey.replace(/:compensate$/, ''));
  const saga = defineSaga({
    name: 'travel',
    version: 1,
    input: z.object({ tripId: z.string().min(1) }),
    steps: [
      step('flight', { run: apply, compensate: undo, retry: { maxAttempts: 3 } }),
      parallel('stay', [
        step('hotel', { run: apply, compensate: undo }),
        step('car', { run: apply, compensate: undo }),
      ]),
      step('pay', { run: apply, pivot: true }),
      step('ticket', { run: apply, retry: { maxAttempts: 4 } }),
    ],
  });
  const liveEffects = (id: string) => ['flight', 'hotel', 'car'].filter((s) => held.has(`${id}:${s}`));
  return { saga, liveEffects };
}

describe('operator paths', () => {
  const { saga, liveEffects } = travel();
  const paths = sagaPaths(saga);
  const named = (name: string) => {
    const path = paths.find((p) => p.name === name);
    if (path === undefined) throw new Error(`no path "${name}" in:\n${paths.map((p) => p.name).join('\n')}`);
    return path;
  };

  it('should list the paths an operator takes', () => {
    expect(
      sagaPaths(saga, { kind: 'operator' })
        .map((p) => p.name)
        .sort(),
    ).toEqual(
      [
        "cancel in flight's retry backoff -> Compensated",
        'cancel while flight runs -> undo flight (outcome unknown) -> Compensated',
        'deadline passes during flight -> undo flight (outcome unknown) -> Compensated',
        "cancel in ticket's retry backoff is refused (past the pivot) -> Completed",
        'deadline passes after the pivot, before ticket -> Completed',
        'ticket fails -> Failed -> operator retries -> ticket fails again -> Failed',
        'ticket fails -> Failed -> operator retries -> ticket succeeds -> Completed',
        'pay fails -> undo car fails -> Failed -> operator retries -> undo car fails again -> Failed',
        'pay fails -> undo hotel fails -> Failed -> operator retries -> undo hotel fails again -> Failed',
        'pay fails -> undo hotel + car -> undo flight fails -> Failed -> operator retries -> undo flight -> Compensated',
        'pay fails -> undo hotel + car -> undo flight fails -> Failed -> operator retries -> undo flight fails again -> Failed',
        'pay fails -> undo car fails -> Failed -> operator retries -> undo car -> undo flight -> Compensated',
        'pay fails -> undo hotel fails -> Failed -> operator retries -> undo hotel -> undo flight -> Compensated',
      ].sort(),
    );
  });

  it.each(paths.filter((p) => p.kind === 'operator').map((p) => [p.name, p] as const))(
    'should run "%s" and keep the invariants, also across crashes',
    async (_, path) => {
      const plain = await runSagaPath(saga, path, { liveEffects });
      expect(plain.status).toBe(path.expected.status);
      await runSagaPath(saga, path, { liveEffects, crashAndRestore: true });
    },
  );

  it('should fail each branch’s compensation in a parallel group, not only the first', () => {
    const groupFailures = paths.filter((p) => p.compensations['hotel'] === 'fail' || p.compensations['car'] === 'fail');
    expect(groupFailures.some((p) => p.compensations['hotel'] === 'fail' && p.compensations['car'] === 'ok')).toBe(
      true,
    );
    expect(groupFailures.some((p) => p.compensations['car'] === 'fail' && p.compensations['hotel'] === 'ok')).toBe(
      true,
    );
  });

  it('should kill the engine inside a compensation and re-run it with the same key', async () => {
    const path = named('pay fails -> undo hotel + car -> undo flight -> Compensated');

    const report = await runSagaPath(saga, path, { liveEffects, crashAndRestore: true });

    const undoFlight = report.calls.filter((c) => c.kind === 'compensate' && c.step === 'flight');
    expect(undoFlight.map((c) => [c.crashed === true, c.ok === true])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(new Set(undoFlight.map((c) => c.key)).size).toBe(1);
  });

  it('should kill the engine inside a step after its effect and re-run it with the same key', async () => {
    const report = await runSagaPath(saga, named('all steps succeed -> Completed'), { crashAndRestore: true });

    // (A call that returned to an engine already stopped for the previous restore counts for neither.)
    const pay = report.calls.filter((c) => c.kind === 'run' && c.step === 'pay');
    expect(pay.filter((c) => c.crashed === true)).toHaveLength(1);
    expect(pay.filter((c) => c.ok === true)).toHaveLength(1);
    expect(pay.findIndex((c) => c.crashed === true)).toBeLessThan(pay.findIndex((c) => c.ok === true));
    expect(new Set(pay.map((c) => JSON.stringify([c.key, c.output]))).size).toBe(1);
  });
});

describe('path testing on SQLite', () => {
  it('should crash and restore every operator path against one SQLite file', async () => {
    const { saga, liveEffects } = travel();
    const file = join(mkdtempSync(join(tmpdir(), 'sagachart-paths-')), 'paths.db');
    let restores = 0;
    for (const path of sagaPaths(saga, { kind: 'operator' })) {
      const report = await runSagaPath(saga, path, {
        liveEffects,
        crashAndRestore: true,
        store: () => sqliteStore(file),
      });
      expect(report.status).toBe(path.expected.status);
      restores += report.restores;
    }
    expect(restores).toBeGreaterThan(20);
  });
});
