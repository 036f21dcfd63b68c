import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { reportStatus } from '../format/reportStatus.js';

export const cancel: Command = {
  name: 'cancel',
  summary: 'cancel a Running execution before its pivot (it compensates)',
  usage: 'sagachart cancel <execution-id> [--reason TEXT]',
  options: { reason: { type: 'string' } },
  async run([id], values, { out, err }) {
    if (id === undefined) throw new CliError('cancel needs an execution id', 1, true);
    return withClient(values, { err }, async (client) => {
      await client.cancel(id, str(values, 'reason'));
      reportStatus(values, out, id, (await client.get(id)).status);
      return 0;
    });
  },
};
