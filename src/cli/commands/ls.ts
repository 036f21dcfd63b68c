import { EXECUTION_STATUSES, type ExecutionStatus } from '../../store/SagaStore.js';
import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { formatTable } from '../format/table.js';

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
      if (values['json'] === true) {
        out(JSON.stringify(page));
        return 0;
      }
      const rows = page.items.map((e) => [
        e.id,
        e.saga,
        e.status,
        e.status === 'Failed' ? `stopped at ${e.failure?.step ?? '?'}` : (e.completed.at(-1) ?? '-'),
        new Date(e.updatedAt).toISOString(),
      ]);
      formatTable(['ID', 'SAGA', 'STATUS', 'LAST STEP', 'UPDATED'], rows).forEach(out);
      if (page.nextCursor !== null) out(`more: sagachart ls --cursor ${page.nextCursor}`);
      return 0;
    });
  },
};
