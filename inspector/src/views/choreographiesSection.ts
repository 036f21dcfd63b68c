import { api, type ChoreographyInstance, type ChoreographySummary } from '../api.js';
import { h } from '../dom.js';
import { instanceRow, instanceTable } from './choreographyRows.js';

const STATUSES = ['Running', 'Compensating', 'Completed', 'Compensated'] as const;
/** How many flagged instances of each choreography the executions page lists. */
const FLAGGED_SHOWN = 10;
const POLL_MS = 2_000;

/**
 * The Choreographies section of the executions page: each choreography with
 * its counts by status and flagged, whether it is followed, and the flagged
 * instances (highlighted). Polled; hidden when none is defined.
 */
export function choreographiesSection(): { element: HTMLElement; refresh: () => Promise<void>; stop: () => void } {
  const summaryBody = h('tbody');
  const flaggedBody = h('tbody');
  const flaggedPart = h(
    'div',
    { 'data-testid': 'choreography-flagged' },
    h('h4', {}, 'Flagged instances'),
    h('p', { class: 'muted' }, 'Stuck (no next event in time), out of order, or compensated incompletely.'),
    instanceTable(flaggedBody, 'flagged-instances', true),
  );
  const element = h(
    'section',
    { class: 'choreographies', 'data-testid': 'choreographies' },
    h('h2', {}, 'Choreographies'),
    h(
      'table',
      { class: 'executions', 'data-testid': 'choreography-table' },
      h('thead', {}, h('tr', {}, ...['choreography', 'followed', ...STATUSES, 'flagged'].map((c) => h('th', {}, c)))),
      summaryBody,
    ),
    flaggedPart,
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
    flaggedPart.hidden = rows.length === 0;
    flaggedBody.replaceChildren(...rows.map((i) => instanceRow(i, true)));
  };
  const timer = setInterval(() => void refresh().catch(() => undefined), POLL_MS);
  return { element, refresh, stop: () => clearInterval(timer) };
}
