// A focused check of the engine's per-transition cost against raw XState, in interleaved rounds:
//   node --import tsx bench/ratios.ts [rounds=3] [total=3000] [concurrency=100] [variants=a regex]
// Prints each round and the medians: sagas/s with the ratio to raw XState in the same round, and the
// CPU each saga cost the main thread (Linux; the one that limits throughput when another core is free)
// and the whole process. On a busy machine the CPU columns are steadier than sagas/s.
// `npm run bench` is the full run.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, toPromise } from 'xstate';
import { compile, memoryStore, SagaEngine, type SagaStore } from '../src/index.js';
import { sqliteStore } from '../src/sqlite.js';
import { round, throughput } from './measure.js';
import { fourSteps } from './sagas.js';

const [rounds = 3, total = 3000, concurrency = 100] = process.argv.slice(2, 5).map(Number);
const only = new RegExp(process.argv[5] ?? '.', 'i');
const tmp = mkdtempSync(join(tmpdir(), 'sagachart-ratios-'));
let files = 0;
const freshDb = () => join(tmp, `r-${(files += 1)}.db`);
const machine = compile(fourSteps);

/** CPU time of the main thread in µs (utime + stime of its /proc task), or NaN off Linux. */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks of 10 ms
  } catch {
    return Number.NaN;
  }
}

interface Sample {
  perSecond: number;
  mainUs: number;
  processUs: number;
}

async function measure(run: (n: number) => Promise<void>): Promise<Sample> {
  const main = mainThreadCpu();
  const cpu = process.cpuUsage();
  const perSecond = await throughput(total, concurrency, run);
  const used = process.cpuUsage(cpu);
  return { perSecond, mainUs: (mainThreadCpu() - main) / total, processUs: (used.user + used.system) / total };
}

const raw = () =>
  measure(async (n) => {
    const actor = createActor(machine, { input: { executionId: `raw-${n}`, input: { n } } });
    actor.start();
    await toPromise(actor);
  });

const engine = async (store: SagaStore) => {
  const e = new SagaEngine({ store, sagas: [fourSteps] });
  await e.start();
  try {
    return await measure(async (n) => {
      const { id } = await e.execute(fourSteps, { n });
      await e.waitFor(id);
    });
  } finally {
    await e.stop();
  }
};

const all: [string, () => Promise<Sample>][] = [
  ['raw XState', raw],
  ['memory', () => engine(memoryStore())],
  ['SQLite FULL', () => engine(sqliteStore(freshDb(), { synchronous: 'FULL' }))],
  ['SQLite FULL, commits on a worker thread', () => engine(sqliteStore(freshDb(), { commitThread: true }))],
];
// Raw XState is always measured: the ratios are to it, in the same round.
const variants = all.filter(([name], i) => i === 0 || only.test(name));
// Warm the JIT on every path first.
for (const [, run] of variants) await run();
const samples = new Map<string, (Sample & { ratio: number })[]>(variants.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r += 1) {
  const line: string[] = [];
  let ceiling = 1;
  for (const [name, run] of variants) {
    const sample = await run();
    if (name === 'raw XState') ceiling = sample.perSecond;
    samples.get(name)?.push({ ...sample, ratio: sample.perSecond / ceiling });
    line.push(`${name} ${round(sample.perSecond)} (${round(sample.perSecond / ceiling, 2)}×)`);
  }
  console.log(`round ${r + 1}: ${line.join(', ')}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(`\n${total} sagas per run, concurrency ${concurrency}, medians of ${rounds} rounds`);
console.log('| variant | sagas/s (range) | × raw XState | main-thread CPU µs/saga | process CPU µs/saga |');
console.log('|---|---:|---:|---:|---:|');
for (const [name] of variants) {
  const xs = samples.get(name) ?? [];
  const per = xs.map((x) => x.perSecond);
  console.log(
    `| ${name} | ${round(median(per))} (${round(Math.min(...per))}–${round(Math.max(...per))}) | ` +
      `${round(median(xs.map((x) => x.ratio)), 2)} | ${round(median(xs.map((x) => x.mainUs)))} | ` +
      `${round(median(xs.map((x) => x.processUs)))} |`,
  );
}
