import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineSaga, remote, step } from '../../src/index.js';
import { natsRelay } from '../../src/nats.js';
import { participant, participantSqlite } from '../../src/participant.js';
import { startEngine, ticks } from '../fixtures/engine.js';
import { natsAvailable, natsConnection, natsNames } from '../fixtures/nats.js';
import { registerOtel } from '../fixtures/otel.js';

const available = await natsAvailable();
let otel: ReturnType<typeof registerOtel>;
beforeAll(() => {
  otel = registerOtel();
});

describe.skipIf(!available)('tracing across the NATS hop', () => {
  it("should make the participant's span a child of the remote step's span, in the saga's trace", async () => {
    const names = natsNames();
    const subject = `${names.prefix}.audit.write`;
    const nc = await natsConnection();
    const saga = defineSaga({
      name: 'traced-remote',
      version: 1,
      input: z.object({}),
      steps: [step('audit', { run: remote(subject), compensate: 'none', timeoutMs: 20_000 })],
    });
    const engine = await startEngine([saga]);
    const relay = await natsRelay(engine, { connection: nc, ...names });
    const dir = mkdtempSync(join(process.env['TMPDIR'] ?? tmpdir(), 'trace-hop-'));
    const audit = await participant({
      name: 'audit',
      connection: nc,
      commandStream: names.commandStream,
      store: participantSqlite(join(dir, 'audit.db')),
      handlers: { [subject]: () => ({ written: true }) },
    });
    const { id } = await engine.execute(saga, {});
    expect((await engine.waitFor(id)).status).toBe('Completed');
    await ticks(5);
    const spans = otel.spans.getFinishedSpans();
    const stepSpan = spans.find((s) => s.name === 'saga.step audit');
    const participantSpan = spans.find((s) => s.name === `participant ${subject}`);
    expect(stepSpan).toBeDefined();
    expect(participantSpan?.spanContext().traceId).toBe(stepSpan?.spanContext().traceId);
    expect(participantSpan?.parentSpanContext?.spanId).toBe(stepSpan?.spanContext().spanId);
    await Promise.all([relay.stop(), audit.stop()]);
  });
});
