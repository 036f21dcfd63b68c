import type { SagaPathKind } from '../../testing/SagaPath.js';
import { sagaPaths } from '../../testing/sagaPaths.js';
import { CliError } from '../CliError.js';
import { str, type Command } from '../Command.js';
import { formatTable } from '../format/table.js';
import { loadSagaNamed } from './loadSagaNamed.js';

const KINDS: readonly SagaPathKind[] = ['success', 'failure', 'operator'];

export const paths: Command = {
  name: 'paths',
  summary: 'list every path through a saga (failures and operator actions included) that `test` runs',
  usage: `sagachart paths <saga> [--filter TEXT] [--kind success|failure|operator]

KIND is "success" (every step succeeds), "failure" (a fault on the way, and what the
rollback does) or "operator" (a person retries a Failed execution, cancels during a
retry backoff, or the deadline passes).`,
  options: { filter: { type: 'string' }, kind: { type: 'string' } },
  async run([name], values, { out }) {
    if (name === undefined) throw new CliError('paths needs a saga name', 1, true);
    const kind = str(values, 'kind');
    if (kind !== undefined && !KINDS.includes(kind as SagaPathKind)) {
      throw new CliError(`--kind takes one of ${KINDS.join(', ')}, got "${kind}"`, 1, true);
    }
    const saga = await loadSagaNamed(name, values);
    const filter = str(values, 'filter');
    const found = sagaPaths(saga, {
      ...(filter === undefined ? {} : { filter }),
      ...(kind === undefined ? {} : { kind: kind as SagaPathKind }),
    });
    if (values['json'] === true) {
      out(JSON.stringify(found));
      return 0;
    }
    const operator = found.filter((p) => p.kind === 'operator').length;
    out(`${found.length} paths through ${saga.name} v${saga.version} (${operator} with an operator's action)`);
    formatTable(
      ['#', 'KIND', 'OUTCOME', 'PATH'],
      found.map((p, i) => [String(i + 1), p.kind, p.expected.status, p.name]),
    ).forEach(out);
    return 0;
  },
};
