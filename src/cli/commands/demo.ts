import { healFaults } from '../../../machines/participants/faults.js';
import { CliError } from '../CliError.js';
import { str, type Command } from '../Command.js';
import { demoFaultsFile } from '../demoFaults.js';

export const demo: Command = {
  name: 'demo',
  summary: "the example sagas' fault switches: heal an execution's faults, then retry it",
  usage: `sagachart demo heal <execution-id> [name ...] [--db FILE]

The example sagas fail where their input's failAt says, until an operator fixes
the cause: "heal" turns the execution's faults off (all of them, or the named
steps and compensations), as if the participant were repaired. Then retry it:
sagachart retry <execution-id> --wait. The switches are kept in demo-faults.json
beside the database (--db, default data/sagachart.db; or $SAGACHART_DEMO_FAULTS),
where the server and the local commands on that database read them.`,
  baseOptions: {
    options: {
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    help: `Options:
  --db FILE         the database whose demo switches to change (default data/sagachart.db)
  -h, --help        this help`,
  },
  async run([verb, id, ...names], values, { out }) {
    if (verb !== 'heal') throw new CliError(`demo needs a verb: heal (got ${verb ?? 'nothing'})`, 1, true);
    if (id === undefined) throw new CliError('demo heal needs an execution id', 1, true);
    const file = demoFaultsFile(str(values, 'db') ?? process.env['SAGACHART_DB'] ?? 'data/sagachart.db');
    healFaults(id, names, file);
    out(`healed ${names.length === 0 ? 'every fault' : names.join(', ')} of ${id} (switches: ${file})`);
    out(`now retry it: sagachart retry ${id} --wait`);
    return 0;
  },
};
