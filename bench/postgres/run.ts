// `npm run bench:postgres`: sagachart on PostgreSQL, measured three ways in one run.
// 1. One engine on PostgreSQL vs one on SQLite FULL vs DBOS Transact on the same PostgreSQL:
//    four no-op steps with compensations, 100 sagas in flight (closed loop).
// 2. 1, 2 and 3 engine processes on one PostgreSQL schema, the 100 clients split between them.
// 3. Takeover after a SIGKILL: kill → the step running again in another engine process.
// Every engine (and DBOS) runs in a process of its own (bench/postgres/worker.ts); 1 and 2 are
// measured in fixed windows, the variants interleaved in every round. DBOS lives in
// bench/postgres/package.json, not in sagachart's.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cpuSeconds } from '../http/processes.js';
import type { Window } from './closedLoop.js';
import { measureTakeover, type Takeover } from './takeover.js';
import { POSTGRES_URL } from './protocol.js';
import { startWorker, within, type Worker } from './workers.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    clients: { type: 'string', default: '100' },
    engines: { type: 'string', default: '1,2,3' },
    // leaseTtlMs[:pollIntervalMs] (poll 1000 ms, the default, when not given)
    leases: { type: 'string', default: '10000,1000,1000:200' },
    trials: { type: 'string', default: '5' },
    'no-dbos': { type: 'boolean', default: false },
  },
});
const windowMs = Number(values.seconds) * 1000;
const rounds = Number(values.rounds);
const clients = Number(values.clients);
const engineCounts = (values.engines ?? '').split(',').filter(Boolean).map(Number);
const leases = (values.leases ?? '')
  .split(',')
  .filter(Boolean)
  .map((spec) => spec.split(':').map(Number))
  .map(([ttl = 10_000, poll = 1_000]) => ({ ttl, poll }));
const trials = Number(values.trials);
const full =
  windowMs >= 5000 && rounds >= 5 && clients === 100 && trials >= 5 && !values['no-dbos'] && engineCounts.length >= 3;

const tmp = mkdtempSync(join(tmpdir(), 'sagachart-bench-postgres-'));
const run = randomUUID().replaceAll('-', '').slice(0, 8);
const schemas: string[] = [];
const fresh = (name: string) => {
  const schema = `bench_${run}_${name}`;
  schemas.push(schema);
  return schema;
};

/** CPU seconds each of the PostgreSQL server's processes has used so far (all of them: it is one machine). */
function postgresCpu(): Map<string, number> {
  const used = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') used.set(pid, cpuSeconds(Number(pid)));
    } catch {
      // It exited while we looked.
    }
  }
  return used;
}

/** CPU seconds PostgreSQL used since `before`: backends that ended meanwhile take their last share with them. */
function postgresCpuSince(before: Map<string, number>): number {
  let total = 0;
  for (const [pid, seconds] of postgresCpu()) total += seconds - (before.get(pid) ?? 0);
  return total;
}

interface Variant {
  readonly name: string;
  readonly workers: Worker[];
}

interface Sample {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** ms of CPU per saga: the engine processes', and the PostgreSQL server's (0 for SQLite). */
  readonly engineCpu: number;
  readonly dbCpu: number;
  readonly failed: number;
}

/** The median; NaN when there is none (or it is NaN: nothing completed). */
const median = (xs: readonly number[]) => {
  const known = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return known[Math.floor(known.length / 2)] ?? Number.NaN;
};

/** The clients split as evenly as they go: 100 over 3 engines is 34, 33, 33. */
const split = (total: number, parts: number) =>
  Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));

async function measure(variant: Variant, ms: number): Promise<Sample> {
  const lanes = split(clients, variant.workers.length);
  const db = postgresCpu();
  const windows = await within(
    Promise.all(
      variant.workers.map((w, i) => {
        const done = w.next('done');
        w.send({ type: 'run', ms, lanes: lanes[i] ?? 0 });
        return done;
      }),
    ),
    ms + 120_000,
    `a window of ${variant.name}`,
  );
  const dbSeconds = postgresCpuSince(db);
  const completed = windows.reduce((sum, w: Window) => sum + w.completed, 0);
  // Latency: the median over the engines of each engine's percentile (each serves its own clients).
  return {
    perSecond: completed / (ms / 1000),
    p50: median(windows.map((w) => w.p50 ?? Number.NaN)),
    p99: median(windows.map((w) => w.p99 ?? Number.NaN)),
    engineCpu: windows.reduce((sum, w) => sum + w.cpuMs, 0) / completed,
    dbCpu: variant.name.includes('SQLite') ? 0 : (dbSeconds * 1000) / completed,
    failed: windows.reduce((sum, w) => sum + w.failed, 0),
  };
}

const variants: Variant[] = [];
const samples = new Map<string, Sample[]>();
const takeovers: Takeover[] = [];
const engineName = (n: number) => `sagachart, ${n} engine process${n === 1 ? '' : 'es'} on one PostgreSQL schema`;
try {
  for (const n of engineCounts) {
    const schema = fresh(`engines${n}`);
    // One at a time: the first migrates the schema.
    const workers: Worker[] = [];
    for (let i = 0; i < n; i += 1) workers.push(await startWorker('postgres', schema));
    variants.push({ name: engineName(n), workers });
  }
  variants.push({ name: 'sagachart, SQLite FULL', workers: [await startWorker('sqlite', join(tmp, 'sqlite.db'))] });
  if (values['no-dbos'] !== true) {
    const dbos = JSON.parse(
      readFileSync(join(import.meta.dirname, 'node_modules', '@dbos-inc', 'dbos-sdk', 'package.json'), 'utf8'),
    ) as { version: string };
    variants.push({ name: `DBOS Transact ${dbos.version}`, workers: [await startWorker('dbos', fresh('dbos'))] });
  }
  // Warm up every process (JIT, pools, caches) before anything is measured.
  for (const variant of variants) await measure(variant, Math.min(2000, windowMs));
  for (let round = 1; round <= rounds; round += 1) {
    // Variants interleave within each round, so a noisy moment hurts all of them alike.
    const order = round % 2 === 0 ? [...variants].reverse() : variants;
    for (const variant of order) {
      const sample = await measure(variant, windowMs);
      samples.set(variant.name, [...(samples.get(variant.name) ?? []), sample]);
      console.error(
        `round ${round} ${variant.name}: ${sample.perSecond.toFixed(0)}/s p50 ${sample.p50.toFixed(1)} p99 ${sample.p99.toFixed(1)} ms`,
      );
    }
  }
  for (const variant of variants) await Promise.all(variant.workers.map((w) => w.stop()));
  for (const { ttl, poll } of leases) {
    takeovers.push(await measureTakeover(fresh(`takeover${ttl}_${poll}`), ttl, poll, trials));
  }
} finally {
  await Promise.all(variants.flatMap((v) => v.workers.map((w) => w.stop())));
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
  rmSync(tmp, { recursive: true, force: true });
}

const of = (name: string, field: keyof Sample) => median((samples.get(name) ?? []).map((s) => s[field]));
const fixed = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const dbosName = variants.find((v) => v.name.startsWith('DBOS'))?.name;
const oneEngine = engineName(1);

const lines: string[] = [];
lines.push('<!-- bench:postgres -->');
lines.push('## PostgreSQL: one engine vs SQLite and DBOS, several engines, takeover');
lines.push('');
lines.push('Reproduce with `npm run bench:postgres` (installs DBOS Transact into bench/postgres, then runs');
lines.push(
  'about four minutes; `npm run bench:postgres -- --seconds 2 --rounds 1 --trials 1 --leases 1000` for a smoke run).',
);
lines.push('');
lines.push(
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL on the same machine (127.0.0.1); load average before the run ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.`,
);
lines.push(
  `Four no-op steps with compensations, ${clients} sagas in flight (closed loop: each client starts a saga, waits for its end, starts the next), every engine and DBOS in a process of its own. Medians of ${rounds} interleaved rounds of ${windowMs / 1000} s windows.`,
);
lines.push('');
lines.push('### One engine: PostgreSQL vs SQLite FULL vs DBOS Transact on the same PostgreSQL');
lines.push('');
lines.push(
  '| system | sagas/s | × PostgreSQL engine | × DBOS | p50 / p99 ms | engine CPU ms/saga | PostgreSQL CPU ms/saga | failed |',
);
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
const first = [oneEngine, 'sagachart, SQLite FULL', ...(dbosName === undefined ? [] : [dbosName])].filter((n) =>
  samples.has(n),
);
for (const name of first) {
  const rate = of(name, 'perSecond');
  const vsDbos = dbosName === undefined ? Number.NaN : rate / of(dbosName, 'perSecond');
  lines.push(
    `| ${name.replace(', 1 engine process on one PostgreSQL schema', ' on PostgreSQL')} | ${fixed(rate)} | ${fixed(rate / of(oneEngine, 'perSecond'), 2)} | ${fixed(vsDbos, 2)} | ${fixed(of(name, 'p50'), 1)} / ${fixed(of(name, 'p99'), 1)} | ${fixed(of(name, 'engineCpu'), 2)} | ${name.includes('SQLite') ? '—' : fixed(of(name, 'dbCpu'), 2)} | ${fixed(of(name, 'failed'))} |`,
  );
}
lines.push('');
lines.push('### Engine processes on one PostgreSQL schema');
lines.push('');
lines.push(
  `The ${clients} clients are split evenly between the engine processes (${engineCounts.map((n) => split(clients, n).join('+')).join(', ')}); each engine starts its clients' sagas and holds them to the end, as a load balancer in front of several servers would. Throughput is the sum over the engines in one window.`,
);
lines.push('');
lines.push(
  '| engine processes | sagas/s (total) | × 1 engine | p50 / p99 ms | engine CPU ms/saga | PostgreSQL CPU ms/saga |',
);
lines.push('|---:|---:|---:|---:|---:|---:|');
for (const n of engineCounts) {
  const name = engineName(n);
  lines.push(
    `| ${n} | ${fixed(of(name, 'perSecond'))} | ${fixed(of(name, 'perSecond') / of(oneEngine, 'perSecond'), 2)} | ${fixed(of(name, 'p50'), 1)} / ${fixed(of(name, 'p99'), 1)} | ${fixed(of(name, 'engineCpu'), 2)} | ${fixed(of(name, 'dbCpu'), 2)} |`,
  );
}
lines.push('');
lines.push('### Takeover after a SIGKILL');
lines.push('');
lines.push(
  `An engine process holding one execution with its step in flight is SIGKILLed at a random moment of its heartbeat period; a second engine process on the schema claims the execution once the lease ran out and starts the step again (same idempotency key, fence + 1). Time from the kill to that start; ${trials} kills per lease.`,
);
lines.push('');
lines.push(
  '| leaseTtlMs | pollIntervalMs | median ms | min – max ms | theory: worst case (lease + poll) | fence + 1 every time |',
);
lines.push('|---:|---:|---:|---:|---:|---|');
for (const t of takeovers) {
  lines.push(
    `| ${t.leaseTtlMs} | ${t.pollIntervalMs} | ${fixed(median(t.times))} | ${fixed(Math.min(...t.times))} – ${fixed(Math.max(...t.times))} | ${t.leaseTtlMs + t.pollIntervalMs} (best case ${Math.round((t.leaseTtlMs * 2) / 3)}) | ${t.fences.every((f) => f === 1) ? 'yes' : `no: ${t.fences.join(', ')}`} |`,
  );
}
lines.push('');
lines.push(
  '- The lease of the killed engine was last renewed by its heartbeat (every third of the lease) or its last commit, so it runs out between ⅔ of the lease and the whole lease after the kill; the other engine finds it at its next claim poll (at most one poll interval later).',
);
lines.push(
  '- DBOS runs its documented defaults (a workflow of `DBOS.runStep` calls, system database pool of 10); sagachart its defaults (pool of 10, lease 10 s). Both write to the same PostgreSQL server, each in a schema of its own made for the run and dropped after it.',
);
lines.push(
  '- PostgreSQL CPU is every `postgres` process on the machine over the window (and the few ms after it while in-flight sagas finish), per saga completed.',
);
lines.push('<!-- /bench:postgres -->');
const section = lines.join('\n');
console.log(section);

// Only a full run goes into BENCHMARKS.md; smaller runs print their tables.
if (full) {
  const path = join(import.meta.dirname, '..', '..', 'BENCHMARKS.md');
  const current = readFileSync(path, 'utf8');
  const marked = /<!-- bench:postgres -->[\s\S]*<!-- \/bench:postgres -->/;
  writeFileSync(path, marked.test(current) ? current.replace(marked, section) : `${current.trimEnd()}\n\n${section}\n`);
}
