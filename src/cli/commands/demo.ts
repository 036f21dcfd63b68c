import { healFaults } from '../../../machines/participants/faults.js';
import { CliError } from '../CliError.js';
import { str, type Command } from '../Command.js';
import { demoFaultsFile } from '../demoFaults.js';
import { demoChoreography } from '../demoChoreography.js';

export const demo: Command = {
  name: 'demo',
  summary: "the examples: heal an execution's faults (then retry it); publish a choreography's events",
  usage: `sagachart demo heal <execution-id> [name ...] [--db FILE]
       sagachart demo choreography [--nats nats://127.0.0.1:4222]

The example sagas fail where their input's failAt says, until an operator fixes
the cause: "heal" turns the execution's faults off (all of them, or the named
steps and compensations), as if the participant were repaired. Then retry it:
sagachart retry <execution-id> --wait. The switches are kept in demo-faults.json
beside the database (--db, default data/sagachart.db; or $SAGACHART_DEMO_FAULTS),
where the server and the local commands on that database read them.

"choreography" publishes six orders' events on the example order-choreography's
subject (shop.orders.events), as its services would: one completes, one is undone,
one gets stuck, one reports out of order and completes (its flag clears), one is
refunded but never cancelled, one ships with no stock reservation reported.
Watch them with sagachart serve --nats … (the inspector) or sagachart choreographies.`,
  baseOptions: {
    options: {
      db: { type: 'string' },
      nats: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    help: `Options:
  --db FILE         heal: the database whose demo switches to change (default data/sagachart.db)
  --nats URL        choreography: the NATS server (default $SAGACHART_NATS_URL, else nats://127.0.0.1:4222)
  -h, --help        this help`,
  },
  async run([verb, id, ...names], values, { out }) {
    if (verb === 'choreography') {
      const url = str(values, 'nats') ?? process.env['SAGACHART_NATS_URL'] ?? 'nats://127.0.0.1:4222';
      (await demoChoreography(url)).forEach(out);
      return 0;
    }
    if (verb !== 'heal') {
      throw new CliError(`demo needs a verb: heal or choreography (got ${verb ?? 'nothing'})`, 1, true);
    }
    if (id === undefined) throw new CliError('demo heal needs an execution id', 1, true);
    const file = demoFaultsFile(str(values, 'db') ?? process.env['SAGACHART_DB'] ?? 'data/sagachart.db');
    healFaults(id, names, file);
    out(`healed ${names.length === 0 ? 'every fault' : names.join(', ')} of ${id} (switches: ${file})`);
    out(`now retry it: sagachart retry ${id} --wait`);
    return 0;
  },
};
