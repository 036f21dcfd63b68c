import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSaga, step } from '../src/index.js';
import { startEngine, ticks } from './fixtures/engine.js';
import { registerOtel } from './fixtures/otel.js';

// Its own file: the SDK is registered in the middle of the test, in a process of its own.
describe('OpenTelemetry registered after the engine started', () => {
  it('should trace the steps that run once an SDK is registered, and only those', async () => {
    const saga = defineSaga({
      name: 'late-traced',
      version: 1,
      input: z.object({}),
      steps: [step('a', { run: () => ({ ok: true }), compensate: 'none' })],
    });
    const engine = await startEngine([saga]);
    const before = await engine.execute(saga, {});
    await engine.waitFor(before.id);

    const otel = registerOtel();
    const after = await engine.execute(saga, {});
    await engine.waitFor(after.id);
    await ticks(5);

    const steps = otel.spans.getFinishedSpans().filter((s) => s.name === 'saga.step a');
    expect(steps.map((s) => s.attributes['saga.id'])).toEqual([after.id]);
  });
});
