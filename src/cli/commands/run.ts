import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExecutionStatus } from '../../store/SagaStore.js';
import { waitingFor } from '../../runtime/waitingFor.js';
import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { stepTimer } from '../../events/journalTimeline.js';
import { formatEntry } from '../format/timeline.js';
import { summaryFor, waitingLines } from '../format/waitingLines.js';

/** Exit codes of `run` (and of `retry`, `cancel`, `send` with --wait), one per outcome, so scripts can branch on them. */
export const EXIT_CODES: Record<ExecutionStatus, number> = {
  Completed: 0,
  Compensated: 2,
  Failed: 3,
  Running: 4,
  Compensating: 4,
};

/** Exit code 4 says: not settled, it waits (for an event, or still runs when we stopped watching). */
export const EXIT_HELP =
  'Exit code: 0 Completed, 2 Compensated, 3 Failed, 4 still running (e.g. waiting for an event), 1 bad usage or error.';

/** Parses a JSON option given inline or as `@file`; a clear CliError for a missing file or bad JSON. */
export function readJsonArgument(raw: string | undefined, what: string): unknown {
  if (raw === undefined) return {};
  let text = raw;
  if (raw.startsWith('@')) {
    const file = raw.slice(1);
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (cause as Error).message;
      throw new CliError(`${what} ${raw}: cannot read ${resolve(file)} (${why})`, 1);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const where = raw.startsWith('@') ? ` (in ${raw.slice(1)})` : '';
    throw new CliError(`${what} is not valid JSON${where}: ${(cause as Error).message}`, 1, true);
  }
}

export const run: Command = {
  name: 'run',
  summary: 'start a saga and watch it live until it settles',
  usage: `sagachart run <saga> [--input JSON|@file] [--id ID] [--key KEY] [--detach]

Prints each step as it happens, then the outcome. When the execution waits
for an event, says which (and the command that sends it) and exits with 4.
With --json, prints the settled execution as JSON (over --url: one request
that waits for the outcome, long-polling on).
${EXIT_HELP}`,
  options: {
    input: { type: 'string' },
    id: { type: 'string' },
    key: { type: 'string' },
    detach: { type: 'boolean', default: false },
  },
  async run([saga], values, { out, err }) {
    if (saga === undefined) throw new CliError('run needs a saga name', 1, true);
    const input = readJsonArgument(str(values, 'input'), '--input');
    return withClient(values, { err }, async (client) => {
      const options = { executionId: str(values, 'id'), idempotencyKey: str(values, 'key') };
      const sagas = await client.sagas();
      const awaits = new Set(sagas.flatMap((s) => s.steps.filter((x) => x.kind === 'awaitEvent').map((x) => x.name)));
      const mayWait = sagas.some((s) => s.name === saga && s.steps.some((x) => x.kind === 'awaitEvent'));
      // An execution that waits for an event never settles by itself: those are followed below instead.
      if (values['json'] === true && values['detach'] !== true && !mayWait) {
        // No live view for scripts: start and wait in one request (long-polling on a server).
        const outcome = await client.startAndWait(saga, input, options);
        out(JSON.stringify(outcome));
        return EXIT_CODES[outcome.status];
      }
      const { id, existing } = await client.start(saga, input, options);
      if (values['detach'] === true) {
        await client.park(id);
        out(values['json'] === true ? JSON.stringify({ id, existing }) : id);
        return 0;
      }
      if (values['json'] !== true) out(`${existing ? 'following existing' : 'started'} ${saga} ${id}`);
      const timer = stepTimer();
      let first: number | undefined;
      const outcome = await client.follow(id, ({ entry }) => {
        first ??= entry.at;
        if (values['json'] !== true) out(formatEntry(entry, first, timer));
        // An awaited event may never come: stop watching once the execution waits for it.
        if (entry.type !== 'StepStarted' || entry.step === undefined || !awaits.has(entry.step)) return;
        return client.get(id).then((view) => {
          const summary = summaryFor(sagas, view);
          return summary !== undefined && waitingFor(view, summary).some((w) => w.kind === 'event');
        });
      });
      const summary = summaryFor(sagas, outcome);
      if (values['json'] === true) {
        out(JSON.stringify({ ...outcome, waiting: summary === undefined ? [] : waitingFor(outcome, summary) }));
      } else {
        out(`${outcome.status}: ${id}`);
        waitingLines(outcome, summary, values).forEach(out);
      }
      return EXIT_CODES[outcome.status];
    });
  },
};
