import { CHOREOGRAPHY_STATUSES, type ChoreographyStatus } from '../../choreography/ChoreographyInstance.js';
import { CliError } from '../CliError.js';
import { openChoreographyClient } from '../choreographyClient.js';
import { str, type Command } from '../Command.js';
import { commandHint } from '../format/commandHint.js';
import { instanceLines, instanceTable, summaryTable } from '../format/choreographyLines.js';

/** How many flagged instances of each choreography the overview lists. */
const OVERVIEW_FLAGGED = 10;

export const choreographies: Command = {
  name: 'choreographies',
  summary: 'the choreographies followed beside the executions: counts, flagged instances, one instance',
  usage: `sagachart choreographies                      every choreography: counts by status, flagged, and its flagged instances
       sagachart choreographies --flagged            the flagged instances of every choreography
       sagachart choreographies <name> [--flagged] [--status S] [--id PREFIX] [--limit N] [--cursor C]
       sagachart choreographies <name> <correlation-id>   one instance: where it is, what it expects, flags, timeline

Reads the server at --url (or the server holding --db), else the trackers file that
"serve --nats" keeps beside --db (data/sagachart.choreographies.db; --choreography-db FILE).
Flagged: stuck (no next event in time), out-of-order, incomplete-compensation.`,
  options: {
    flagged: { type: 'boolean', default: false },
    status: { type: 'string' },
    id: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    'choreography-db': { type: 'string' },
  },
  async run([name, correlationId, ...extra], values, { out, err }) {
    if (extra.length > 0) throw new CliError(`unexpected argument(s): ${extra.join(' ')}`, 1, true);
    const status = str(values, 'status');
    if (status !== undefined && !CHOREOGRAPHY_STATUSES.includes(status as ChoreographyStatus)) {
      throw new CliError(`--status must be one of ${CHOREOGRAPHY_STATUSES.join(', ')}`, 1, true);
    }
    const limit = str(values, 'limit');
    if (limit !== undefined && !/^[1-9]\d{0,2}$/.test(limit)) throw new CliError('--limit must be 1-500', 1, true);
    const flagged = values['flagged'] === true ? true : undefined;
    const json = values['json'] === true;
    const client = await openChoreographyClient(values, { err });
    try {
      if (name !== undefined && correlationId !== undefined) {
        const instance = await client.instance(name, correlationId);
        (json ? [JSON.stringify(instance)] : instanceLines(instance)).forEach(out);
        return 0;
      }
      if (name !== undefined) {
        const page = await client.instances(name, {
          flagged,
          status: status as ChoreographyStatus | undefined,
          idPrefix: str(values, 'id'),
          limit: limit === undefined ? 20 : Number(limit),
          cursor: str(values, 'cursor'),
        });
        if (json) out(JSON.stringify(page));
        else if (page.items.length === 0)
          out(`No instance of ${name}${flagged === true ? ' is flagged' : ' matches'}.`);
        else instanceTable(page.items).forEach(out);
        if (!json && page.nextCursor !== null) {
          out(
            `more: ${commandHint(values, ['choreographies', name, '--cursor', page.nextCursor], ['flagged', 'status', 'id', 'limit', 'choreography-db'])}`,
          );
        }
        return 0;
      }
      const summaries = await client.summaries();
      const perChoreography = flagged === true && limit !== undefined ? Number(limit) : OVERVIEW_FLAGGED;
      const pages = await Promise.all(
        summaries.map((s) =>
          s.counts.flagged === 0
            ? Promise.resolve({ items: [] })
            : client.instances(s.name, { flagged: true, limit: perChoreography }),
        ),
      );
      const flaggedItems = pages.flatMap((p) => p.items);
      if (json) {
        out(JSON.stringify(flagged === true ? { items: flaggedItems } : { items: summaries, flagged: flaggedItems }));
        return 0;
      }
      if (summaries.length === 0) {
        out('No choreography is defined: export one (defineChoreography) from a --machines module.');
        return 0;
      }
      if (flagged !== true) {
        summaryTable(summaries).forEach(out);
        out('');
      }
      if (flaggedItems.length === 0) {
        out('No instance is flagged.');
        return 0;
      }
      if (flagged !== true) out('Flagged:');
      instanceTable(flaggedItems, true).forEach(out);
      for (const s of summaries) {
        if (s.counts.flagged > perChoreography) {
          out(
            `all ${s.counts.flagged} of ${s.name}: ${commandHint(values, ['choreographies', s.name, '--flagged'], ['choreography-db'])}`,
          );
        }
      }
      return 0;
    } finally {
      await client.close();
    }
  },
};
