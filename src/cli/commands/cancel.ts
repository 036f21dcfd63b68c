import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { reportOutcome, WAIT_OPTION } from './reportOutcome.js';
import { EXIT_HELP } from './run.js';

export const cancel: Command = {
  name: 'cancel',
  summary: 'cancel a Running execution before its pivot (it compensates)',
  usage: `sagachart cancel <execution-id> [--reason TEXT] [--wait]

Refused past the pivot. --wait follows the rollback until it settles.
Without --wait: exit 3 if it is Failed, else 0. ${EXIT_HELP}`,
  options: { reason: { type: 'string' }, ...WAIT_OPTION },
  async run([id], values, { out, err }) {
    if (id === undefined) throw new CliError('cancel needs an execution id', 1, true);
    return withClient(values, { err }, async (client) => {
      await client.cancel(id, str(values, 'reason'));
      return reportOutcome(client, id, values, out);
    });
  },
};
