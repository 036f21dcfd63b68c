import { waitingFor } from '../../runtime/waitingFor.js';
import type { Values } from '../Command.js';
import type { SagaClient } from '../SagaClient.js';
import { summaryFor, waitingLines } from '../format/waitingLines.js';
import { EXIT_CODES } from './run.js';

export const WAIT_OPTION = { wait: { type: 'boolean', default: false } } as const;

/**
 * After `retry`, `cancel` or `send`: with --wait, follows the execution until
 * it settles or waits for an event and exits like `run` (0 / 2 / 3 / 4);
 * without it, reports where it is now and exits 3 if that is Failed, else 0.
 * Either way it says what the execution waits for.
 */
export async function reportOutcome(
  client: SagaClient,
  id: string,
  values: Values,
  out: (line: string) => void,
): Promise<number> {
  const sagas = await client.sagas();
  const waits = values['wait'] === true;
  const view = waits
    ? await client.follow(id, ({ entry }) => {
        if (entry.type !== 'StepStarted') return;
        return client.get(id).then((now) => {
          const summary = summaryFor(sagas, now);
          return summary !== undefined && waitingFor(now, summary).some((w) => w.kind === 'event');
        });
      })
    : await client.get(id);
  const summary = summaryFor(sagas, view);
  if (values['json'] === true) {
    out(JSON.stringify({ id, status: view.status, waiting: summary === undefined ? [] : waitingFor(view, summary) }));
  } else {
    out(`${id}: ${view.status}`);
    waitingLines(view, summary, values).forEach(out);
  }
  if (waits) return EXIT_CODES[view.status];
  return view.status === 'Failed' ? EXIT_CODES.Failed : 0;
}
