// One engine process of the PostgreSQL benchmark, driven by its parent (run.ts) over IPC.
// Usage: worker.ts <kind> <where> [leaseTtlMs] [pollIntervalMs]
//   postgres <schema> | sqlite <file> | dbos <schema>: runs closed-loop windows of four-step sagas
//     when told ({ type: 'run', ms, lanes }), answers { type: 'done', ... } (see Window).
//   victim <schema> | rescuer <schema>: the takeover measurement. Told { type: 'execute' }, a victim
//     starts one saga whose step never returns (its parent SIGKILLs it mid-step); a rescuer runs that
//     step again when it claims the execution after the victim's lease ran out. Both report
//     { type: 'step', fence, at } when the step starts.
import { SagaEngine, defineSaga, step } from '../../src/index.js';
import { postgresStore } from '../../src/postgres.js';
import { sqliteStore } from '../../src/sqlite.js';
import { z } from 'zod';
import { fourSteps } from '../sagas.js';
import { closedLoop } from './closedLoop.js';
import { POSTGRES_URL, type FromWorker, type ToWorker, type WorkerKind } from './protocol.js';

const [kind = '', where = '', ttlArg = '10000', pollArg = '1000'] = process.argv.slice(2) as [WorkerKind, string];
const send = (message: FromWorker) => process.send?.(message);

/** One step in flight for as long as the victim lives; at once for the engine that takes it over. */
const heldStep = defineSaga({
  name: 'bench-takeover',
  version: 1,
  input: z.object({}),
  steps: [
    step('hold', {
      run: async ({ fence }) => {
        send({ type: 'step', fence, at: Date.now() });
        if (kind === 'victim') await new Promise(() => undefined);
        return { fence };
      },
      compensate: () => undefined,
    }),
  ],
});

let runOne: (n: number) => Promise<unknown>;
let stop: () => Promise<void>;
let startHeld: () => Promise<void> = async () => undefined;
if (kind === 'dbos') {
  const { launchDbos } = await import('./dbosFourSteps.mjs');
  const dbos = await launchDbos(POSTGRES_URL, where);
  runOne = (n) => dbos.run(n);
  stop = () => dbos.stop();
} else {
  const store =
    kind === 'sqlite'
      ? sqliteStore(where, { synchronous: 'FULL' })
      : postgresStore(POSTGRES_URL, { schema: where, leaseTtlMs: Number(ttlArg) });
  const engine = new SagaEngine({
    store,
    sagas: [fourSteps, heldStep],
    passivation: { pollIntervalMs: Number(pollArg) },
  });
  await engine.start();
  runOne = async (n) => engine.waitFor((await engine.execute(fourSteps, { n })).id);
  stop = () => engine.stop();
  startHeld = async () => {
    await engine.execute(heldStep, {});
  };
}

process.on('message', (message: ToWorker) => {
  void (async () => {
    if (message.type === 'run') send({ type: 'done', ...(await closedLoop(runOne, message.ms, message.lanes)) });
    if (message.type === 'execute') await startHeld();
    if (message.type === 'stop') {
      await stop();
      process.exit(0);
    }
  })();
});
send({ type: 'ready' });
