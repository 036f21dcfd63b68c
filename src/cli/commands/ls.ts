import { EXECUTION_STATUSES, type ExecutionStatus } from '../../store/SagaStore.js';
import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { describeWaiting, waitingFor } from '../../runtime/waitingFor.js';
import { commandHint } from '../format/commandHint.js';
import { formatTable } from '../format/table.js';
import { summaryFor } from '../format/waitingLines.js';

export const ls: Command = {
  name: 'ls',
  summary: 'list executions, newest first (or the sagas with --sagas)',
  usage: 'sagachart ls [--status S] [--saga NAME] [--since MINUTES] [--limit N] [--cursor C] [--sagas]',
  options: {
    status: { type: 'string' },
    saga: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    since: { type: 'string' },
    sagas: { type: 'boolean', default: false },
  },
  async run(_, values, { out, err }) {
    const status = str(values, 'status');
    if (status !== undefined && !EXECUTION_STATUSES.includes(status as ExecutionStatus)) {
      throw new CliError(`--status must be one of ${EXECUTION_STATUSES.join(', ')}`, 1, true);
    }
    const limit = str(values, 'limit');
    if (limit !== undefined && !/^\d+$/.test(limit)) throw new CliError('--limit must be a whole number', 1, true);
    const since = str(values, 'since');
    if (since !== undefined && !/^\d+$/.test(since))
      throw new CliError('--since must be a whole number of minutes', 1, true);
    return withClient(values, { err }, async (client) => {
      if (values['sagas'] === true) {
        const sagas = await client.sagas();
        if (values['json'] === true) out(JSON.stringify(sagas));
        else {
          const rows = sagas.map((s) => [
            s.name,
            String(s.version),
            s.pivot ?? '-',
            s.steps.map((x) => x.name).join(' → '),
          ]);
          formatTable(['SAGA', 'VERSION', 'PIVOT', 'STEPS'], rows).forEach(out);
        }
        return 0;
      }
      const page = await client.list({
        status: status as ExecutionStatus | undefined,
        saga: str(values, 'saga'),
        limit: limit === undefined ? 20 : Number(limit),
        cursor: str(values, 'cursor'),
        createdAfter: since === undefined ? undefined : Date.now() - Number(since) * 60_000,
      });
      const sagas = await client.sagas();
      const items = page.items.map((e) => {
        const summary = summaryFor(sagas, e);
        return { ...e, waiting: summary === undefined ? [] : waitingFor(e, summary) };
      });
      if (values['json'] === true) {
        out(JSON.stringify({ items, nextCursor: page.nextCursor }));
        return 0;
      }
      const rows = items.map((e) => [
        e.id,
        e.saga,
        e.status,
        e.waiting[0] !== undefined ? describeWaiting(e.waiting[0]) : `last step ${e.completed.at(-1) ?? '-'}`,
        new Date(e.updatedAt).toISOString(),
      ]);
      formatTable(['ID', 'SAGA', 'STATUS', 'WHERE / WAITS FOR', 'UPDATED'], rows).forEach(out);
      if (page.nextCursor !== null) {
        const hint = commandHint(values, ['ls', '--cursor', page.nextCursor], ['status', 'saga', 'since', 'limit']);
        out(`more: ${hint}`);
      }
      return 0;
    });
  },
};
