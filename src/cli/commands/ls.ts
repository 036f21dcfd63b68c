import { EXECUTION_STATUSES, type ExecutionStatus } from '../../store/SagaStore.js';
import { CliError } from '../CliError.js';
import { str, withClient, type Command } from '../Command.js';
import { describeSettled, describeWaiting, waitingFor } from '../../runtime/waitingFor.js';
import { commandHint } from '../format/commandHint.js';
import { formatTable } from '../format/table.js';
import { summaryFor } from '../format/waitingLines.js';

/** How long a timer may be overdue before `--stuck` lists its execution (the inspector uses the same). */
export const STUCK_AFTER_MS = 60_000;

export const ls: Command = {
  name: 'ls',
  summary: 'list executions, newest first (or the sagas with --sagas)',
  usage: `sagachart ls [--status S] [--saga NAME] [--since MINUTES] [--id PREFIX] [--input FIELD=VALUE] [--stuck]
             [--limit N] [--cursor C] [--sagas]

--id PREFIX          executions whose id starts with PREFIX
--input FIELD=VALUE  executions whose input has FIELD (dotted: customer.id) equal to VALUE
--stuck              Running or Compensating with a timer overdue by more than a minute`,
  options: {
    status: { type: 'string' },
    saga: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    since: { type: 'string' },
    id: { type: 'string' },
    input: { type: 'string' },
    stuck: { type: 'boolean', default: false },
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
    const input = str(values, 'input');
    const split = input?.indexOf('=') ?? -1;
    if (input !== undefined && split < 1)
      throw new CliError('--input must be FIELD=VALUE, e.g. customerId=c1', 1, true);
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
        idPrefix: str(values, 'id'),
        inputField: input === undefined ? undefined : { path: input.slice(0, split), value: input.slice(split + 1) },
        overdueBefore: values['stuck'] === true ? Date.now() - STUCK_AFTER_MS : undefined,
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
        e.waiting[0] !== undefined ? describeWaiting(e.waiting[0]) : (describeSettled(e) ?? '-'),
        new Date(e.updatedAt).toISOString(),
      ]);
      formatTable(['ID', 'SAGA', 'STATUS', 'WHERE / WAITS FOR', 'UPDATED'], rows).forEach(out);
      if (page.nextCursor !== null) {
        const hint = commandHint(
          values,
          ['ls', '--cursor', page.nextCursor],
          ['status', 'saga', 'since', 'id', 'input', 'stuck', 'limit'],
        );
        out(`more: ${hint}`);
      }
      return 0;
    });
  },
};
