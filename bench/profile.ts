// Profiles the path from an actor snapshot to a committed row:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts [memory|sqlite|raw] [total]
// then open the .cpuprofile in Chrome DevTools (or summarise its self times).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, toPromise } from 'xstate';
import { compile, memoryStore, SagaEngine } from '../src/index.js';
import { sqliteStore } from '../src/sqlite.js';
import { throughput } from './measure.js';
import { fourSteps } from './sagas.js';

const [kind = 'memory', totalArg = '20000'] = process.argv.slice(2);
if (kind === 'raw') {
  // The ceiling, for comparison: the same machine as plain XState actors.
  const machine = compile(fourSteps);
  const perSecond = await throughput(Number(totalArg), 100, async (n) => {
    const actor = createActor(machine, { input: { executionId: `raw-${n}`, input: { n } } });
    actor.start();
    await toPromise(actor);
  });
  console.log(`raw: ${Math.round(perSecond)} sagas/s (four no-op steps, concurrency 100)`);
  process.exit(0);
}
const store =
  kind === 'sqlite'
    ? sqliteStore(join(mkdtempSync(join(tmpdir(), 'sagachart-prof-')), 'prof.db'), { synchronous: 'FULL' })
    : memoryStore();
const engine = new SagaEngine({ store, sagas: [fourSteps] });
await engine.start();
const perSecond = await throughput(Number(totalArg), 100, async (n) => {
  const { id } = await engine.execute(fourSteps, { n });
  await engine.waitFor(id);
});
await engine.stop();
console.log(`${kind}: ${Math.round(perSecond)} sagas/s (four no-op steps, concurrency 100)`);
