import { readFileSync } from 'node:fs';
import type { ExecutionStatus } from '../../store/SagaStore.js';
import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { stepTimer } from '../../events/journalTimeline.js';
import { formatEntry } from '../format/timeline.js';

/** Exit codes of `run`, one per outcome, so scripts can branch on them. */
export const EXIT_CODES: Record<ExecutionStatus, number> = {
  Completed: 0,
  Compensated: 2,
  Failed: 3,
  Running: 4,
  Compensating: 4,
};

export function readJsonArgument(raw: string | undefined, what: string): unknown {
  if (raw === undefined) return {};
  const text = raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`${what} is not valid JSON${raw.startsWith('@') ? ` (in ${raw.slice(1)})` : ''}`, 1, true);
  }
}

export const run: Command = {
  name: 'run',
  summary: 'start a saga and watch it live until it settles',
  usage: `sagachart run <saga> [--input JSON|@file] [--id ID] [--key KEY] [--detach]

Prints each step as it happens, then the outcome.
Exit code: 0 Completed, 2 Compensated, 3 Failed, 1 bad usage or error.`,
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
      const { id, existing } = await client.start(saga, input, {
        executionId: str(values, 'id'),
        idempotencyKey: str(values, 'key'),
      });
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
      });
      if (values['json'] === true) out(JSON.stringify(outcome));
      else {
        out(`${outcome.status}: ${id}`);
        if (outcome.status === 'Failed' && outcome.failure !== null) {
          out(
            `A person must act: ${outcome.failure.step} gave up after ${outcome.failure.attempts} attempt(s) (${outcome.failure.message}).`,
          );
          out(`Fix the cause, then: sagachart retry ${id}`);
        }
      }
      return EXIT_CODES[outcome.status];
    });
  },
};
