import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { reportStatus } from '../format/reportStatus.js';
import { readJsonArgument } from './run.js';

export const send: Command = {
  name: 'send',
  summary: 'send an event to an execution waiting for it',
  usage: 'sagachart send <execution-id> <event-type> [--data JSON|@file]',
  options: { data: { type: 'string' } },
  async run([id, type], values, { out, err }) {
    if (id === undefined || type === undefined)
      throw new CliError('send needs an execution id and an event type', 1, true);
    const data = str(values, 'data') === undefined ? undefined : readJsonArgument(str(values, 'data'), '--data');
    return withClient(values, { err }, async (client) => {
      await client.send(id, data === undefined ? { type } : { type, data });
      reportStatus(values, out, id, (await client.get(id)).status);
      return 0;
    });
  },
};
