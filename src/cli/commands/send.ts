import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { reportOutcome, WAIT_OPTION } from './reportOutcome.js';
import { EXIT_HELP } from './run.js';
import { readJsonArgument } from './run.js';

export const send: Command = {
  name: 'send',
  summary: 'send an event to an execution waiting for it',
  usage: `sagachart send <execution-id> <event-type> [--data JSON|@file] [--wait]

"sagachart show <id>" prints the event an execution waits for, with a data template.
--wait follows it until it settles or waits for another event.
Without --wait: exit 3 if it is Failed, else 0. ${EXIT_HELP}`,
  options: { data: { type: 'string' }, ...WAIT_OPTION },
  async run([id, type], values, { out, err }) {
    if (id === undefined || type === undefined)
      throw new CliError('send needs an execution id and an event type', 1, true);
    const data = str(values, 'data') === undefined ? undefined : readJsonArgument(str(values, 'data'), '--data');
    return withClient(values, { err }, async (client) => {
      await client.send(id, data === undefined ? { type } : { type, data });
      return reportOutcome(client, id, values, out);
    });
  },
};
