// `npm run bench:remote`: a saga of two remote steps (a participant in another process, over NATS
// JetStream at 127.0.0.1:4222) against the same saga with in-process steps, in one run, interleaved:
// latency at concurrency 1 (p50, p99) and throughput at concurrency 100. SQLite NORMAL for the engine
// and the participant. A full run (--scale 1) writes its table into BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { SagaEngine, type AnySagaDefinition } from '../../src/index.js';
import { natsRelay } from '../../src/nats.js';
import { sqliteStore } from '../../src/sqlite.js';
import { latencies, round, throughput } from '../measure.js';
import { twoLocalSteps, twoRemoteSteps } from './sagas.js';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '1' }, rounds: { type: 'string', default: '3' } },
});
const scale = Number(values.scale);
const rounds = Number(values.rounds);
const tmp = mkdtempSync(join(tmpdir(), 'sagachart-bench-remote-'));
const id = randomUUID().replaceAll('-', '').slice(0, 8);
const names = {
  prefix: `bench${id}`,
  commandStream: `BENCH${id}_COMMANDS`,
  replyStream: `BENCH${id}_REPLIES`,
  replySubject: `bench${id}.reply`,
};
const nc = await connect({ servers: process.env['NATS_URL'] ?? '127.0.0.1:4222' });
const remoteSaga = twoRemoteSteps(names.prefix);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', join(import.meta.dirname, 'participant.ts'), tmp, names.prefix, names.commandStream],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve) =>
  child.stdout.on('data', (c: Buffer) => c.toString().includes('ready') && resolve()),
);

let files = 0;
async function measure(saga: AnySagaDefinition, remote: boolean) {
  const engine = new SagaEngine({
    store: sqliteStore(join(tmp, `engine-${(files += 1)}.db`), { synchronous: 'NORMAL' }),
    sagas: [saga],
  });
  await engine.start();
  const relay = remote ? await natsRelay(engine, { connection: nc, ...names, pollMs: 1000 }) : undefined;
  const run = async (n: number) => {
    const { id: executionId } = await engine.execute(saga.name, { n });
    const outcome = await engine.waitFor(executionId);
    if (outcome.status !== 'Completed') throw new Error(`saga ${n} ended ${outcome.status}`);
  };
  try {
    await throughput(Math.round(50 * scale), 10, run); // warm-up
    const latency = await latencies(Math.round(300 * scale), run);
    const rate = await throughput(Math.round(3_000 * scale), 100, run);
    return { ...latency, rate };
  } finally {
    await relay?.stop();
    await engine.stop();
  }
}

const results: Record<'local' | 'remote', { p50: number; p99: number; rate: number }[]> = { local: [], remote: [] };
for (let r = 0; r < rounds; r += 1) {
  results.local.push(await measure(twoLocalSteps, false));
  results.remote.push(await measure(remoteSaga, true));
}
child.kill('SIGTERM');
const jsm = await jetstreamManager(nc);
await jsm.streams.delete(names.commandStream).catch(() => false);
await jsm.streams.delete(names.replyStream).catch(() => false);
await nc.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const row = (name: string, rs: { p50: number; p99: number; rate: number }[], base: number) => {
  const rate = median(rs.map((x) => x.rate));
  return `| ${name} | ${round(median(rs.map((x) => x.p50)), 2)} | ${round(median(rs.map((x) => x.p99)), 2)} | ${round(rate)} | ${round(rate / base, 2)}x |`;
};
const localRate = median(results.local.map((x) => x.rate));
const section = [
  '<!-- bench:remote -->',
  '## Remote steps over NATS JetStream against in-process steps',
  '',
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, nats-server on 127.0.0.1, ` +
    `SQLite NORMAL; a saga of two steps, ${rounds} interleaved rounds, medians. ` +
    'The remote participant is another process applying each command once in its own SQLite ledger.',
  '',
  '| steps | p50 ms (c=1) | p99 ms (c=1) | sagas/s (c=100) | vs in-process |',
  '|---|---|---|---|---|',
  row('in-process', results.local, localRate),
  row('remote (NATS JetStream)', results.remote, localRate),
  '<!-- /bench:remote -->',
].join('\n');
console.log(section);
if (scale >= 1) {
  const path = join(import.meta.dirname, '..', '..', 'BENCHMARKS.md');
  const current = readFileSync(path, 'utf8');
  const marked = /<!-- bench:remote -->[\s\S]*<!-- \/bench:remote -->/;
  writeFileSync(path, marked.test(current) ? current.replace(marked, section) : `${current.trimEnd()}\n\n${section}\n`);
}
