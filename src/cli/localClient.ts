import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SagaEngine } from '../runtime/SagaEngine.js';
import { loadSagas } from '../server/loadSagas.js';
import { sagaSummary } from '../server/sagaSummary.js';
import { isPostgresUrl, storeFor } from './storeFor.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import { SETTLED_STATUSES } from '../store/SagaStore.js';
import { followJournal } from '../runtime/followJournal.js';
import type { SagaClient } from './SagaClient.js';

const PARK_TIMEOUT_MS = 10_000;

/** Settled, or waiting for an external event: nothing more happens without someone. */
function parked(engine: SagaEngine, view: ExecutionView): boolean {
  if (view.status !== 'Running') return SETTLED_STATUSES.includes(view.status);
  const state = view.state as { Running?: unknown };
  const current = typeof state.Running === 'string' ? state.Running : undefined;
  return engine.definition(view.saga, view.version).steps.some((s) => s.kind === 'awaitEvent' && s.name === current);
}

/**
 * This process's engine is the only one moving the file's executions, so a
 * short-lived command lets an execution reach a parked state before it acts or exits.
 */
async function untilParked(engine: SagaEngine, id: string): Promise<void> {
  const deadline = Date.now() + PARK_TIMEOUT_MS;
  while (Date.now() < deadline && !parked(engine, await engine.get(id))) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A client over an engine on the local SQLite file. Starting it also resumes
 * the file's unfinished executions, so do not point it at a file a running
 * server owns: use `--url` then.
 */
/** How many engines run on a PostgreSQL database now (SQLite: one engine per file, so none to share with). */
async function otherEngines(db: string): Promise<number> {
  if (!isPostgresUrl(db)) return 0;
  const reader = await storeFor(db, { readOnly: true });
  await reader.init();
  try {
    return (await reader.engines?.())?.length ?? 0;
  } finally {
    await reader.close();
  }
}

export async function localClient(options: {
  db: string;
  machines: string;
  createDir: boolean;
}): Promise<SagaClient & { engine: SagaEngine }> {
  if (options.createDir) mkdirSync(dirname(options.db), { recursive: true });
  // On a database other engines run on, this short-lived engine claims nothing of theirs;
  // alone, it claims what is due, as `serve` would (a retry needs someone to apply it).
  const store = await storeFor(options.db, { claims: (await otherEngines(options.db)) === 0 });
  const engine = new SagaEngine({ store, sagas: await loadSagas(options.machines) });
  await engine.start();
  return {
    engine,
    sagas: async () => engine.sagas().map(sagaSummary),
    engines: () => engine.engines(),
    chart: async (saga) => engine.machine(saga).toJSON(),
    start: (saga, input, opts) => engine.execute(saga, input, opts),
    startAndWait: async (saga, input, opts) => {
      const { id, existing } = await engine.execute(saga, input, opts);
      return { ...(await engine.waitFor(id)), existing };
    },
    park: (id) => untilParked(engine, id),
    get: (id) => engine.get(id),
    list: (query) => engine.list(query),
    journal: (id) => engine.journal(id),
    send: async (id, event) => {
      await untilParked(engine, id);
      await engine.send(id, event);
      await untilParked(engine, id);
    },
    cancel: async (id, reason) => {
      await engine.cancel(id, reason);
      await untilParked(engine, id);
    },
    retry: async (id) => {
      await engine.retry(id);
      await untilParked(engine, id);
    },
    follow: async (id, onEntry) => {
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const off = await followJournal(engine, id, 0, ({ status, entry }) => {
        const verdict = onEntry({ status, entry });
        if (verdict === true) stop();
        else if (verdict instanceof Promise) void verdict.then((yes) => yes && stop(), stop);
      });
      try {
        await Promise.race([engine.waitFor(id), stopped]);
        return await engine.get(id);
      } finally {
        off();
      }
    },
    close: () => engine.stop(),
  };
}
