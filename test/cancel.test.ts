import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, InvalidOperationError, step } from '../src/index.js';
import { settle, startEngine, ticks, useFakeClock } from './fixtures/engine.js';
import { recorder, untilAborted } from './fixtures/recorder.js';

const input = z.object({});

describe('cancel', () => {
  it('should compensate the completed steps when cancelled while a step runs, and fire its signal', async () => {
    const r = recorder();
    let aborted = false;
    const saga = defineSaga({
      name: 'cancel-running',
      version: 1,
      input,
      steps: [
        r.step('a'),
        step('long', {
          compensate: () => undefined,
          run: ({ signal }) => untilAborted(signal, () => (aborted = true)),
        }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await engine.cancel(id, 'customer changed their mind');
    const outcome = await engine.waitFor(id);
    expect(outcome.status).toBe('Compensated');
    expect(aborted).toBe(true);
    expect(outcome.reason).toEqual({ kind: 'cancelled', message: 'customer changed their mind' });
    expect(r.calls).toEqual(['a', 'undo a']);
    // 'long' was aborted in flight: its outcome is unknown, so it is compensated too, first.
    expect(outcome.compensated).toEqual(['long', 'a']);
  });

  it('should show a step that first looks at its signal after the cancel that it was aborted', async () => {
    let release: () => void = () => undefined;
    const seen: unknown[] = [];
    const saga = defineSaga({
      name: 'cancel-look-late',
      version: 1,
      input,
      steps: [
        step('long', {
          compensate: () => undefined,
          run: async (ctx) => {
            await new Promise<void>((resolve) => (release = resolve));
            seen.push(ctx.signal.aborted, (ctx.signal.reason as DOMException).message);
          },
        }),
      ],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await engine.cancel(id, 'too late');
    release();
    expect((await engine.waitFor(id)).status).toBe('Compensated');
    expect(seen).toEqual([true, 'cancelled']);
  });

  it('should compensate when cancelled while waiting for an event', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'cancel-waiting',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b'), awaitEvent('ok', { event: 'ok' })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    await engine.cancel(id);
    expect((await engine.waitFor(id)).status).toBe('Compensated');
    expect(r.calls).toEqual(['a', 'b', 'undo b', 'undo a']);
    expect((await engine.journal(id)).find((e) => e.type === 'CancelRequested')?.data).toEqual({ reason: 'cancelled' });
  });

  it('should compensate when cancelled during a retry backoff', async () => {
    useFakeClock();
    const r = recorder();
    const saga = defineSaga({
      name: 'cancel-backoff',
      version: 1,
      input,
      steps: [r.step('a'), r.step('b', { failures: Infinity }, { retry: { maxAttempts: 5, initialDelayMs: 60_000 } })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(20);
    expect((await engine.get(id)).state).toEqual({ Running: { b: 'backoff' } });
    await engine.cancel(id);
    expect((await settle(engine, id)).status).toBe('Compensated');
    expect(r.calls).toEqual(['a', 'b', 'undo a']);
  });

  it('should refuse to cancel past the pivot, naming the pivot', async () => {
    const r = recorder();
    const saga = defineSaga({
      name: 'cancel-after-pivot',
      version: 1,
      input,
      steps: [r.step('a'), r.step('commit', {}, { pivot: true, compensate: false }), awaitEvent('ok', { event: 'ok' })],
    });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await ticks(10);
    const error = await engine.cancel(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOperationError);
    expect((error as Error).message).toMatch(/past its pivot "commit"/);
    expect((await engine.get(id)).status).toBe('Running');
  });

  it('should refuse to cancel a finished or compensating execution', async () => {
    const r = recorder();
    const saga = defineSaga({ name: 'cancel-done', version: 1, input, steps: [r.step('a')] });
    const engine = await startEngine([saga]);
    const { id } = await engine.execute(saga, {});
    await engine.waitFor(id);
    await expect(engine.cancel(id)).rejects.toThrow(/is Completed: it is finished/);

    const slow = defineSaga({
      name: 'cancel-compensating',
      version: 1,
      input,
      steps: [
        step('a', { run: () => 1, compensate: () => new Promise(() => undefined) }),
        step('b', {
          compensate: 'none',
          run: () => {
            throw new Error('x');
          },
        }),
      ],
    });
    const engine2 = await startEngine([slow]);
    const second = await engine2.execute(slow, {});
    await ticks(10);
    expect((await engine2.get(second.id)).status).toBe('Compensating');
    await expect(engine2.cancel(second.id)).rejects.toThrow(/is Compensating: only a Running execution/);
  });
});
