import { sagaPaths } from '../../testing/sagaPaths.js';
import { CliError } from '../CliError.js';
import { str, type Command } from '../Command.js';
import { formatTable } from '../format/table.js';
import { loadSagaNamed } from './loadSagaNamed.js';

export const paths: Command = {
  name: 'paths',
  summary: 'list every path through a saga (failures included) that `test` runs',
  usage: 'sagachart paths <saga> [--filter TEXT]',
  options: { filter: { type: 'string' } },
  async run([name], values, { out }) {
    if (name === undefined) throw new CliError('paths needs a saga name', 1, true);
    const saga = await loadSagaNamed(name, values);
    const filter = str(values, 'filter');
    const found = sagaPaths(saga, filter === undefined ? {} : { filter });
    if (values['json'] === true) {
      out(JSON.stringify(found));
      return 0;
    }
    out(`${found.length} paths through ${saga.name} v${saga.version}`);
    formatTable(
      ['#', 'OUTCOME', 'PATH'],
      found.map((p, i) => [String(i + 1), p.expected.status, p.name]),
    ).forEach(out);
    return 0;
  },
};
