// DBOS Transact's side of the PostgreSQL benchmark: the same saga as bench/sagas.ts's fourSteps —
// four no-op steps, each with a compensation that runs (as a step) only when a later one fails —
// written the way DBOS documents it (DBOS.registerWorkflow, DBOS.runStep), on the system database
// at `url` in `schema`. Plain JavaScript so sagachart's typecheck does not need DBOS installed.
import { DBOS } from '@dbos-inc/dbos-sdk';

const noop = async () => ({ ok: true });
const names = ['one', 'two', 'three', 'four'];

async function fourSteps(n) {
  const done = [];
  try {
    for (const name of names) {
      await DBOS.runStep(noop, { name });
      done.push(name);
    }
  } catch (error) {
    for (const name of done.reverse()) await DBOS.runStep(noop, { name: `${name}-compensate` });
    throw error;
  }
  return n;
}

/** Launches DBOS (a process holds one) and returns the workflow, called once per saga. */
export async function launchDbos(url, schema) {
  const workflow = DBOS.registerWorkflow(fourSteps, { name: 'bench-four-steps' });
  DBOS.setConfig({
    name: 'sagachart-bench',
    applicationVersion: '1',
    systemDatabaseUrl: url,
    systemDatabaseSchemaName: schema,
    logLevel: 'error',
  });
  await DBOS.launch();
  return { run: (n) => workflow(n), stop: () => DBOS.shutdown() };
}
