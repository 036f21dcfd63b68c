// Path testing costs: generating the paths of a 20-step saga, and running every path of the three
// examples through the engine, with and without crash-and-restore. Part of `npm run bench`;
// `node --import tsx bench/pathTesting.ts --quick` runs it alone at a tiny size.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBank, loanApprovalSaga } from '../machines/loan-approval.js';
import { createShop, orderFulfillmentSaga } from '../machines/order-fulfillment.js';
import { createSaas, subscriptionSignupSaga } from '../machines/subscription-signup.js';
import type { AnySagaDefinition } from '../src/index.js';
import { runSagaPath, sagaPaths } from '../src/testing/index.js';
import { round } from './measure.js';
import { twentySteps } from './sagas.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function sample(saga: AnySagaDefinition): { input?: unknown; eventData?: Record<string, unknown> } {
  const file = join(import.meta.dirname, '..', 'data', 'samples', `${saga.name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as { input?: unknown; eventData?: Record<string, unknown> };
}

/** Runs every path of `saga` once; returns the wall time in ms. */
async function runAll(saga: AnySagaDefinition, crashAndRestore: boolean): Promise<number> {
  const { input, eventData } = sample(saga);
  const started = performance.now();
  for (const path of sagaPaths(saga)) {
    await runSagaPath(saga, path, {
      ...(input === undefined ? {} : { input }),
      ...(eventData === undefined ? {} : { eventData }),
      crashAndRestore,
    });
  }
  return performance.now() - started;
}

/** Logs the path-testing section of BENCHMARKS.md. */
export async function pathTestingBench(log: (line: string) => void, quick: boolean): Promise<void> {
  const repeats = quick ? 1 : 5;
  log('## Path testing (sagachart/testing)');
  log('');
  const generation: number[] = [];
  let count = 0;
  for (let r = 0; r < repeats; r += 1) {
    const started = performance.now();
    count = sagaPaths(twentySteps).length;
    generation.push(performance.now() - started);
  }
  log(
    `- 20-step saga with a pivot at step 12: ${count} paths generated in ${round(median(generation))} ms (median of ${repeats})`,
  );
  log('');
  log('| example saga | paths | every path, no restore | every path, --restore |');
  log('|---|---:|---:|---:|');
  const sagas = [
    orderFulfillmentSaga(createShop()),
    loanApprovalSaga(createBank()),
    subscriptionSignupSaga(createSaas()),
  ];
  for (const saga of sagas) {
    const plain: number[] = [];
    const restored: number[] = [];
    for (let r = 0; r < (quick ? 1 : 3); r += 1) {
      plain.push(await runAll(saga, false));
      restored.push(await runAll(saga, true));
    }
    log(
      `| ${saga.name} | ${sagaPaths(saga).length} | ${round(median(plain) / 1000, 2)} s | ${round(median(restored) / 1000, 2)} s |`,
    );
  }
  log('');
  log(
    'Memory store, sample inputs from data/samples; a deadline path costs at least its 100 ms deadline, a path that retries a Failed compensation runs the whole shortened policy (20 attempts) twice.',
  );
}

if (process.argv[1] === import.meta.filename) {
  await pathTestingBench((line) => console.log(line), process.argv.includes('--quick'));
}
