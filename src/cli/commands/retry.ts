import { CliError } from '../CliError.js';
import { withClient, type Command } from '../Command.js';
import { reportStatus } from '../format/reportStatus.js';

export const retry: Command = {
  name: 'retry',
  summary: 'resume a Failed execution from where it stopped',
  usage: 'sagachart retry <execution-id>',
  async run([id], values, { out, err }) {
    if (id === undefined) throw new CliError('retry needs an execution id', 1, true);
    return withClient(values, { err }, async (client) => {
      await client.retry(id);
      reportStatus(values, out, id, (await client.get(id)).status);
      return 0;
    });
  },
};
