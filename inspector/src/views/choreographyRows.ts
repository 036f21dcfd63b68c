import type { ChoreographyInstance } from '../api.js';
import { h } from '../dom.js';

/** Where an instance is and what would move it on. */
export function whereText(i: ChoreographyInstance): string {
  const state = typeof i.state === 'string' ? i.state : JSON.stringify(i.state);
  if (i.expects.length === 0) return state;
  return i.status === 'Compensating'
    ? `compensating: expects ${i.expects.join(', ')}`
    : `${state}: expects ${i.expects.join(' or ')}`;
}

export const instanceHref = (i: Pick<ChoreographyInstance, 'choreography' | 'correlationId'>): string =>
  `#/choreography/${encodeURIComponent(i.choreography)}/${encodeURIComponent(i.correlationId)}`;

/** A flag as a chip: its kind, the message in its tooltip and beside it. */
export const flagChips = (i: ChoreographyInstance): HTMLElement[] =>
  i.flags.map((f) =>
    h('span', { class: `flag flag-${f.kind}`, title: new Date(f.at).toLocaleString() }, `⚑ ${f.kind}: ${f.message}`),
  );

/** One instance as a table row; flagged ones are highlighted. */
export function instanceRow(i: ChoreographyInstance, withName = false): HTMLElement {
  return h(
    'tr',
    { 'data-id': i.correlationId, class: i.flags.length > 0 ? 'flagged' : '' },
    withName
      ? h('td', {}, h('a', { href: `#/choreography/${encodeURIComponent(i.choreography)}` }, i.choreography))
      : null,
    h('td', {}, h('a', { href: instanceHref(i) }, i.correlationId)),
    h('td', {}, h('span', { class: `badge status-${i.status}` }, i.status)),
    h('td', { class: 'where' }, whereText(i)),
    h('td', { class: 'flags' }, ...flagChips(i)),
    h(
      'td',
      { class: 'when' },
      new Date(i.updatedAt).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }),
    ),
  );
}

export const instanceTable = (body: HTMLElement, testId: string, withName = false): HTMLElement =>
  h(
    'table',
    { class: 'executions instances', 'data-testid': testId },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          ...(withName ? ['choreography'] : []),
          'correlation id',
          'status',
          'where / expects',
          'flags',
          'updated',
        ].map((c) => h('th', {}, c)),
      ),
    ),
    body,
  );
