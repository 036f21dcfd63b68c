// A real engine process for the trace-across-crash test. Usage: traceWorker.ts <start|resume> <engine.db> <spans.jsonl>
// Every finished span is appended to spans.jsonl at once, so a SIGKILL loses none that ended.
import { appendFileSync } from 'node:fs';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import { awaitEvent, defineSaga, SagaEngine, step } from '../../src/index.js';
import { sqliteStore } from '../../src/sqlite.js';

const [mode, engineDb = '', spansFile = ''] = process.argv.slice(2);
const exporter: SpanExporter = {
  export(spans: ReadableSpan[], done) {
    for (const s of spans) {
      appendFileSync(
        spansFile,
        `${JSON.stringify({ name: s.name, traceId: s.spanContext().traceId, pid: process.pid })}\n`,
      );
    }
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const saga = defineSaga({
  name: 'traced-across-crash',
  version: 1,
  input: z.object({}),
  steps: [
    step('before', { run: () => 'before', compensate: 'none' }),
    awaitEvent('approval', { event: 'approved' }),
    step('after', { run: () => 'after', compensate: 'none' }),
  ],
});
const engine = new SagaEngine({ store: sqliteStore(engineDb), sagas: [saga] });
await engine.start();
if (mode === 'start') {
  await engine.execute(saga, {}, { executionId: 't-1' });
  while (JSON.stringify((await engine.get('t-1')).state) !== '{"Running":"approval"}') {
    await new Promise((r) => setTimeout(r, 10));
  }
  console.log('parked');
  await new Promise(() => undefined); // until killed
} else {
  await engine.send('t-1', { type: 'approved' });
  await engine.waitFor('t-1');
  await engine.stop();
  console.log('done');
}
