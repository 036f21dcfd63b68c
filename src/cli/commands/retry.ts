import { CliError } from '../CliError.js';
import { withClient, type Command } from '../Command.js';
import { reportOutcome, WAIT_OPTION } from './reportOutcome.js';
import { EXIT_HELP } from './run.js';

export const retry: Command = {
  name: 'retry',
  summary: 'resume a Failed execution from where it stopped',
  usage: `sagachart retry <execution-id> [--wait]

Resumes the step or compensation that gave up, with a fresh set of attempts.
--wait follows it until it settles or waits for an event.
Without --wait: exit 3 if it is Failed again, else 0. ${EXIT_HELP}`,
  options: WAIT_OPTION,
  async run([id], values, { out, err }) {
    if (id === undefined) throw new CliError('retry needs an execution id', 1, true);
    return withClient(values, { err }, async (client) => {
      await client.retry(id);
      return reportOutcome(client, id, values, out);
    });
  },
};
