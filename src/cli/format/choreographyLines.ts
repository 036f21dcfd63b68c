import type {
  ChoreographyInstanceDetailView,
  ChoreographyInstanceView,
  ChoreographySummary,
} from '../../choreography/ChoreographyBoard.js';
import { CHOREOGRAPHY_TIMEOUT } from '../../choreography/compileChoreography.js';
import { formatTable } from './table.js';

const stateOf = (instance: Pick<ChoreographyInstanceView, 'state'>): string =>
  typeof instance.state === 'string' ? instance.state : JSON.stringify(instance.state);

/** Where an instance is and what would move it on: `awaiting PaymentProcessed: expects PaymentProcessed or PaymentFailed`. */
export function whereText(instance: ChoreographyInstanceView): string {
  const expects = instance.expects.length === 0 ? '' : `: expects ${instance.expects.join(' or ')}`;
  return instance.status === 'Compensating'
    ? `Compensating${instance.expects.length === 0 ? '' : `: expects ${instance.expects.join(', ')}`}`
    : `${stateOf(instance)}${expects}`;
}

/** The flags of an instance in one cell: `⚑ stuck: no PaymentProcessed or PaymentFailed in time`. */
export const flagsText = (instance: ChoreographyInstanceView): string =>
  instance.flags.map((f) => `⚑ ${f.kind}: ${f.message}`).join('; ');

/** One row per choreography: counts by status, flagged, where it is followed. */
export function summaryTable(items: readonly ChoreographySummary[]): string[] {
  return formatTable(
    ['CHOREOGRAPHY', 'RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'FLAGGED', 'FOLLOWED'],
    items.map((c) => [
      c.name,
      String(c.counts.byStatus.Running),
      String(c.counts.byStatus.Compensating),
      String(c.counts.byStatus.Completed),
      String(c.counts.byStatus.Compensated),
      c.counts.flagged === 0 ? '0' : `⚑ ${c.counts.flagged}`,
      c.note,
    ]),
  );
}

/** One row per instance, flagged ones marked in their first column. */
export function instanceTable(items: readonly ChoreographyInstanceView[], withName = false): string[] {
  return formatTable(
    [...(withName ? ['CHOREOGRAPHY'] : []), 'ID', 'STATUS', 'WHERE / EXPECTS', 'FLAGS', 'UPDATED'],
    items.map((i) => [
      ...(withName ? [i.choreography] : []),
      `${i.flags.length > 0 ? '⚑ ' : ''}${i.correlationId}`,
      i.status,
      whereText(i),
      flagsText(i),
      new Date(i.updatedAt).toISOString(),
    ]),
  );
}

const clock = (at: number): string => new Date(at).toISOString().slice(11, 23);

/** One instance: where it is, what it expects and until when, its flags, stages and timeline. */
export function instanceLines(instance: ChoreographyInstanceDetailView, now = Date.now()): string[] {
  const lines = [`${instance.correlationId}  ${instance.choreography}  ${instance.status}  ${stateOf(instance)}`];
  if (instance.expects.length > 0) {
    const until =
      instance.dueAt === null
        ? ' (flagged already: the next event arms the timeout again)'
        : ` (flagged if none by ${clock(instance.dueAt)}, in ${Math.max(0, Math.ceil((instance.dueAt - now) / 1000))} s)`;
    lines.push(`expects: ${instance.expects.join(instance.status === 'Compensating' ? ', ' : ' or ')}${until}`);
  }
  if (instance.flags.length === 0) lines.push('flags: none');
  else {
    lines.push('flags:');
    for (const f of instance.flags) lines.push(`  ⚑ ${f.kind.padEnd(24)} ${clock(f.at)}  ${f.message}`);
  }
  lines.push(`completed: ${instance.completed.length === 0 ? '-' : instance.completed.join(' → ')}`);
  if (instance.awaitingCompensation.length > 0) {
    lines.push(`awaiting compensation: ${instance.awaitingCompensation.join(', ')}`);
  }
  lines.push('', 'timeline:');
  const startedAt = instance.events[0]?.at ?? 0;
  for (const e of instance.events) {
    const offset = `+${((e.at - startedAt) / 1000).toFixed(3)}s`;
    const seq = e.seq === null ? '' : `  (seq ${e.seq})`;
    const flag = `${e.flag === null ? '' : `  ⚑ ${e.flag}`}${e.cleared.map((kind) => `  ✓ cleared ${kind}`).join('')}`;
    lines.push(
      `  #${String(e.n).padEnd(3)} ${offset.padStart(10)}  ${(e.type === CHOREOGRAPHY_TIMEOUT ? '(quiet past the timeout)' : e.type).padEnd(24)} → ${typeof e.state === 'string' ? e.state : JSON.stringify(e.state)}${flag}${seq}`,
    );
  }
  return lines;
}
