// `npm run bench`: measures the engine against baselines in the same run and writes BENCHMARKS.md.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createActor, toPromise } from 'xstate';
import { compile, memoryStore, SagaEngine, type SagaStore } from '../src/index.js';
import { sqliteStore } from '../src/sqlite.js';
import { latencies, round, throughput } from './measure.js';
import { pathTestingBench } from './pathTesting.js';
import { fourSteps, parked } from './sagas.js';
import { FULL_SIZES, sseBenchmarks } from './sse.js';
import { integrityBenchmarks } from './integrity.js';
import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.2 : 1;
const tmp = mkdtempSync(join(tmpdir(), 'sagachart-bench-'));
let files = 0;
const freshDb = () => join(tmp, `bench-${(files += 1)}.db`);

type Variant = { name: string; store: () => SagaStore };
const variants: Variant[] = [
  { name: 'engine, memory store', store: () => memoryStore() },
  { name: 'engine, SQLite NORMAL', store: () => sqliteStore(freshDb(), { synchronous: 'NORMAL' }) },
  { name: 'engine, SQLite FULL', store: () => sqliteStore(freshDb(), { synchronous: 'FULL' }) },
  {
    name: 'engine, SQLite FULL, commits on a worker thread',
    store: () => sqliteStore(freshDb(), { synchronous: 'FULL', commitThread: true }),
  },
];

const machine = compile(fourSteps);

/** The ceiling: the same compiled machine as plain XState actors, nothing persisted. */
async function rawXState(n: number): Promise<void> {
  const actor = createActor(machine, { input: { executionId: `raw-${n}`, input: { n } } });
  actor.start();
  await toPromise(actor);
}

/** What a user would write by hand: one better-sqlite3 transaction (FULL) per transition. */
function handWritten(): (n: number) => Promise<void> {
  const db = new Database(freshDb());
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE snapshots (id TEXT PRIMARY KEY, snapshot TEXT NOT NULL)');
  const save = db.prepare('INSERT OR REPLACE INTO snapshots (id, snapshot) VALUES (?, ?)');
  const write = db.transaction((id: string, json: string) => save.run(id, json));
  return async (n) => {
    const actor = createActor(machine, { input: { executionId: `hand-${n}`, input: { n } } });
    actor.subscribe(() => write(`hand-${n}`, JSON.stringify(actor.getPersistedSnapshot())));
    actor.start();
    await toPromise(actor);
  };
}

async function withEngine<T>(store: SagaStore, fn: (engine: SagaEngine) => Promise<T>): Promise<T> {
  const engine = new SagaEngine({ store, sagas: [fourSteps, parked] });
  await engine.start();
  try {
    return await fn(engine);
  } finally {
    await engine.stop();
  }
}

const runSaga = (engine: SagaEngine) => async (n: number) => {
  const { id } = await engine.execute(fourSteps, { n });
  await engine.waitFor(id);
};

const CONCURRENCY = [1, 100, 1000];
const totalFor = (c: number) => Math.max(50, Math.round((c === 1 ? 300 : c === 100 ? 3000 : 5000) * scale));

const lines: string[] = [];
const log = (line: string) => {
  lines.push(line);
  console.log(line);
};

const parkedArg = process.argv.indexOf('--parked');
if (parkedArg >= 0) {
  await parkedScenario();
  process.exit(0);
}

log('# Benchmarks');
log('');
log(
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ` +
    `${round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}` +
    `${quick ? ' (quick run: smaller totals)' : ''}.`,
);
log('XState runs its production build. Four-step sagas, every step a no-op; sagas/s (higher is better).');
log('');
log(`| variant | ${CONCURRENCY.map((c) => `concurrency ${c}`).join(' | ')} |`);
log(`|---|${CONCURRENCY.map(() => '---:').join('|')}|`);

// Warm up the JIT on every code path first, so the first row is not measured cold.
await throughput(Math.round(2000 * scale), 100, rawXState);
await withEngine(memoryStore(), (engine) => throughput(Math.round(2000 * scale), 100, runSaga(engine)));

const ceiling: Record<number, number> = {};
const REPEATS = quick ? 1 : 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** The median of REPEATS runs, each on a fresh store: this machine is noisy. */
const row = async (name: string, measure: (c: number) => Promise<number>) => {
  const cells: string[] = [];
  for (const c of CONCURRENCY) {
    const runs: number[] = [];
    for (let r = 0; r < REPEATS; r += 1) runs.push(await measure(c));
    const perSecond = median(runs);
    if (name.startsWith('raw XState')) ceiling[c] = perSecond;
    const ratio = name.startsWith('raw') ? '' : ` (${round(perSecond / (ceiling[c] ?? 1), 2)}×)`;
    cells.push(`${round(perSecond)}${ratio}`);
  }
  log(`| ${name} | ${cells.join(' | ')} |`);
};

await row('raw XState, no persistence (ceiling)', (c) => throughput(totalFor(c), c, rawXState));
await row('hand-written: 1 SQLite FULL transaction per transition', (c) => throughput(totalFor(c), c, handWritten()));
for (const variant of variants) {
  await row(variant.name, (c) => withEngine(variant.store(), (engine) => throughput(totalFor(c), c, runSaga(engine))));
}
log('');
log(
  `Each cell is the median of ${REPEATS} runs on a fresh store; ratios in parentheses are to the raw XState ceiling at the same concurrency.`,
);
log('');

log('## Latency, start to finish, concurrency 1');
log('');
log('| variant | p50 ms | p99 ms |');
log('|---|---:|---:|');
{
  const raw = await latencies(Math.round(500 * scale), rawXState);
  log(`| raw XState | ${round(raw.p50, 2)} | ${round(raw.p99, 2)} |`);
  for (const variant of variants) {
    const l = await withEngine(variant.store(), (engine) => latencies(Math.round(300 * scale), runSaga(engine)));
    log(`| ${variant.name} | ${round(l.p50, 2)} | ${round(l.p99, 2)} |`);
  }
}
log('');

await parkedScenario();
await pathTestingBench(log, quick);
log('');
log('## Tracing cost (engine, memory store, concurrency 100)');
log('');
{
  const measure = () => withEngine(memoryStore(), (engine) => throughput(totalFor(100), 100, runSaga(engine)));
  const without = median([await measure(), await measure(), await measure()]);
  // Register the SDK as an application would, with an exporter that drops everything.
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor({ export: (_, done) => done({ code: 0 }), shutdown: () => Promise.resolve() }),
      ],
    }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider());
  const withSdk = median([await measure(), await measure(), await measure()]);
  log(`| tracing | sagas/s |`);
  log(`|---|---:|`);
  log(`| no SDK registered (the @opentelemetry/api no-op) | ${round(without)} |`);
  log(
    `| SDK registered, spans to a no-op exporter, metrics on | ${round(withSdk)} (${round(withSdk / without, 2)}×) |`,
  );
}
log('');
log('## Live streams (SSE), server in its own process, SQLite FULL');
log('');
{
  const sizes = quick
    ? {
        ...FULL_SIZES,
        executions: Math.round(FULL_SIZES.executions * scale),
        stalledExecutions: Math.round(FULL_SIZES.stalledExecutions * scale),
      }
    : FULL_SIZES;
  for (const line of await sseBenchmarks(sizes)) log(line);
}
log('## Integrity check when a SQLite store opens');
log('');
for (const line of await integrityBenchmarks(Math.round(100_000 * scale))) log(line);
log('## Notes');
log('');
log('- "hand-written" is what a user would write by hand: subscribe to the actor and write the persisted snapshot');
log('  in its own better-sqlite3 transaction (synchronous=FULL) on every transition. It does not even keep the');
log('  write-ahead rule (the step starts before the write); the engine keeps it and wins by group commit.');
log('- "commits on a worker thread" is `commitThread: true` (a second connection on a thread of its own: the main');
log('  thread runs sagas while SQLite writes and waits for the disk); an engine of yours commits on the main thread');
log('  by default, `sagachart serve` on the thread (measured over HTTP, in the section below).');
log('- At concurrency 1 every transition waits for its own fsync, so FULL costs what the disk costs; group');
log('  commit pays off as soon as several executions move at once.');
log('- SSE: one feed reader per server serves every /api/stream client (read, serialised and gzipped once,');
log('  commits gathered into one write per client). The readers run in the benchmark process, on the same two');
log('  cores as the server: they are raw sockets that read into one reused buffer and parse nothing, so they');
log('  take little of those cores ("readers" CPU); "server CPU ms a saga" is the server\'s own cost, whatever the');
log('  readers take. A client that does not read is dropped once 1 MiB waits for it, so stalled clients cost the');
log('  server a bounded amount of memory.');
log('- This 2-core machine is noisy: single runs of the same cell vary by ±20%, hence medians.');
log('');
log('Reproduce with `npm run bench` (about four minutes; `npm run bench -- --quick` for a smoke run).');

if (!quick) {
  // bench:http, bench:postgres and bench:remote own their sections (<!-- bench:NAME -->): keep them all.
  const current = existsSync('BENCHMARKS.md') ? readFileSync('BENCHMARKS.md', 'utf8') : '';
  const kept = [...current.matchAll(/<!-- bench:([a-z]+) -->[\s\S]*?<!-- \/bench:\1 -->/g)].map((m) => m[0]);
  writeFileSync('BENCHMARKS.md', `${lines.join('\n')}\n${kept.map((section) => `\n${section}\n`).join('')}`);
}

// `--parked N` runs the parked scenario alone at size N (e.g. 2000 to check it quickly).
async function parkedScenario(): Promise<void> {
  const PARKED = parkedArg >= 0 ? Number(process.argv[parkedArg + 1]) : Math.round(100_000 * scale);
  const SENT = Math.min(PARKED, Math.round(PARKED / 10));
  log(`## ${PARKED} executions parked in an awaitEvent with a 7-day timeout (SQLite FULL)`);
  log('');
  {
    const file = freshDb();
    const gc = (globalThis as { gc?: () => void }).gc;
    const heap = () => {
      gc?.();
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const engine = new SagaEngine({ store: sqliteStore(file), sagas: [parked] });
    await engine.start();
    const empty = heap();
    const ids: string[] = [];
    const filling = performance.now();
    for (let n = 0; n < PARKED; n += 500) {
      const size = Math.min(500, PARKED - n);
      const batch = await Promise.all(Array.from({ length: size }, (_, i) => engine.execute(parked, { n: n + i })));
      ids.push(...batch.map((b) => b.id));
    }
    // Every execution parks once its first step is done and its wait is durable.
    while (engine.held() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const fillMs = performance.now() - filling;
    const above = (heap() - empty) / 2 ** 20;
    await engine.stop();

    const started = performance.now();
    const restarted = new SagaEngine({ store: sqliteStore(file), sagas: [parked] });
    const report = await restarted.start();
    const startMs = performance.now() - started;
    const afterStart = heap();

    // The quick_check on open reads the whole file: measured apart, so start() itself shows.
    await restarted.stop();
    const unchecked = performance.now();
    const again = new SagaEngine({ store: sqliteStore(file, { integrityCheck: 'off' }), sagas: [parked] });
    await again.start();
    const uncheckedMs = performance.now() - unchecked;
    await again.stop();
    await restarted.start();

    const sending = performance.now();
    const chosen = ids.slice(0, SENT);
    await Promise.all(chosen.map((id) => restarted.send(id, { type: 'go' })));
    const outcomes = await Promise.all(chosen.map((id) => restarted.waitFor(id)));
    const sendMs = performance.now() - sending;
    const completed = outcomes.filter((o) => o.status === 'Completed').length;
    await restarted.stop();
    log(`- parking them took ${round(fillMs)} ms (${round(PARKED / (fillMs / 1000))} executions/s, start to parked)`);
    log(
      `- engine heap after GC, all parked: ${round(above, 1)} MB above the empty engine` +
        `${gc === undefined ? ' (run with --expose-gc for a steadier number)' : ''}`,
    );
    log(
      `- start() on that file: ${round(startMs)} ms (resumed ${report.resumed}; heap after it ` +
        `${round((afterStart - empty) / 2 ** 20, 1)} MB above the empty engine)`,
    );
    log(`- start() on that file with integrityCheck: 'off' (no PRAGMA quick_check on open): ${round(uncheckedMs)} ms`);
    log(
      `- sending the event to ${SENT} of them: ${completed} completed in ${round(sendMs)} ms ` +
        `(${round(SENT / (sendMs / 1000))} executions/s, send to Completed)`,
    );
  }
  log('');
}
