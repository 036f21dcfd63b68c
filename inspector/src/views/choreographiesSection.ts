import { api, type ChoreographyInstance, type ChoreographySummary } from '../api.js';
import { h } from '../dom.js';
import { instanceRow, instanceTable } from './choreographyRows.js';

const STATUSES = ['Running', 'Compensating', 'Completed', 'Compensated'] as const;
/** How many flagged instances of each choreography the executions page lists. */
const FLAGGED_SHOWN = 10;
const POLL_MS = 2_000;

/**
 * The choreographies on the executions page: a section listing each one with
 * its counts by status and flagged and whether it is followed (hidden when
 * none is defined), and a part for Needs attention with the flagged instances
 * (highlighted; hidden when none). Polled; `onChange` runs after each refresh.
 */
export function choreographiesSection(
  onChange: () => void,
  /** false while the executions are filtered by saga: their attention is on that saga. */
  withAttention = true,
): {
  element: HTMLElement;
  attention: HTMLElement;
  refresh: () => Promise<void>;
  stop: () => void;
} {
  const summaryBody = h('tbody');
  const flaggedBody = h('tbody');
  const attention = h(
    'div',
    { 'data-testid': 'choreography-flagged' },
    h('h4', {}, 'Choreography instances flagged'),
    h(
      'p',
      { class: 'muted' },
      'Stuck (no next event in time), out of order, or compensated incompletely: look at what their services did.',
    ),
    instanceTable(flaggedBody, 'flagged-instances', true),
  );
  attention.hidden = true;
  const element = h(
    'section',
    { class: 'choreographies', 'data-testid': 'choreographies' },
    h('h2', {}, 'Choreographies'),
    h('p', { class: 'muted' }, "Sagas no orchestrator runs: their services' events, followed."),
    h(
      'table',
      { class: 'executions', 'data-testid': 'choreography-table' },
      h('thead', {}, h('tr', {}, ...['choreography', 'followed', ...STATUSES, 'flagged'].map((c) => h('th', {}, c)))),
      summaryBody,
    ),
  );
  element.hidden = true;
  const row = (c: ChoreographySummary) =>
    h(
      'tr',
      { 'data-name': c.name, class: c.counts.flagged > 0 ? 'flagged' : '' },
      h('td', {}, h('a', { href: `#/choreography/${encodeURIComponent(c.name)}` }, c.name)),
      h('td', { class: c.following ? 'where' : 'where muted' }, c.note),
      ...STATUSES.map((s) =>
        h(
          'td',
          {},
          h(
            'a',
            { href: `#/choreography/${encodeURIComponent(c.name)}?status=${s}`, 'data-status': s },
            String(c.counts.byStatus[s]),
          ),
        ),
      ),
      h(
        'td',
        { 'data-testid': 'flagged-count' },
        c.counts.flagged === 0
          ? '0'
          : h(
              'a',
              { href: `#/choreography/${encodeURIComponent(c.name)}?flagged=1`, class: 'flag' },
              `⚑ ${c.counts.flagged}`,
            ),
      ),
    );
  const refresh = async () => {
    const { items } = await api<{ items: ChoreographySummary[] }>('GET', '/api/choreographies');
    element.hidden = items.length === 0;
    summaryBody.replaceChildren(...items.map(row));
    const flagged = await Promise.all(
      items
        .filter((c) => c.counts.flagged > 0)
        .map(
          async (c) =>
            (
              await api<{ items: ChoreographyInstance[] }>(
                'GET',
                `/api/choreographies/${encodeURIComponent(c.name)}/instances?flagged=true&limit=${FLAGGED_SHOWN}`,
              )
            ).items,
        ),
    );
    const rows = flagged.flat();
    attention.hidden = rows.length === 0 || !withAttention;
    flaggedBody.replaceChildren(...rows.map((i) => instanceRow(i, true)));
    onChange();
  };
  const timer = setInterval(() => void refresh().catch(() => undefined), POLL_MS);
  return { element, attention, refresh, stop: () => clearInterval(timer) };
}
