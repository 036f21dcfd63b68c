import { api, type ChoreographyInstanceDetail, type ChoreographySummary } from '../api.js';
import { choreographyChart } from '../choreographyChart.js';
import { h } from '../dom.js';
import { formatDue } from '../../../src/runtime/waitingFor.js';
import { flagChips, whereText } from './choreographyRows.js';

const POLL_MS = 2_000;
const TIMEOUT = 'choreography.timeout';

const clock = (at: number) => new Date(at).toLocaleTimeString(undefined, { hour12: false });

/** What the instance waits for now, and when it is flagged if nothing comes. */
function nowText(i: ChoreographyInstanceDetail, c: ChoreographySummary): string {
  if (i.status === 'Completed') return 'Completed: every stage reported.';
  if (i.status === 'Compensated') return 'Compensated: every completed stage was undone.';
  const waits =
    i.status === 'Compensating'
      ? `waits for the compensating event${i.expects.length === 1 ? '' : 's'} ${i.expects.join(', ')}`
      : `waits for ${i.expects.join(' or ')}`;
  const due =
    i.dueAt === null
      ? 'already flagged; the next event arms the timeout again'
      : `flagged if none ${formatDue(i.dueAt, Date.now())} (${clock(i.dueAt)}; the timeout is ${c.timeoutMs / 1000} s)`;
  return `Now: ${waits}; ${due}.`;
}

/** Each stage: reported, failed, undone, current or still to come. */
function stageList(i: ChoreographyInstanceDetail, c: ChoreographySummary): HTMLElement {
  const seen = new Set(i.events.map((e) => e.type));
  return h(
    'ol',
    { class: 'steps stages', 'data-testid': 'stages' },
    ...c.flow.map((s) => {
      const undone = s.compensatedBy !== undefined && seen.has(s.compensatedBy);
      const failed = s.failure !== undefined && seen.has(s.failure);
      const done = i.completed.includes(s.event);
      const current = i.state === `awaiting ${s.event}`;
      const [mark, cls, text] = undone
        ? ['↩', 'compensated', `undone (${s.compensatedBy ?? ''})`]
        : failed
          ? ['✗', 'failed', `failed (${s.failure ?? ''})`]
          : done
            ? [
                '✓',
                'done',
                i.awaitingCompensation.includes(s.compensatedBy ?? '')
                  ? `done; awaits ${s.compensatedBy ?? ''}`
                  : 'done',
              ]
            : current
              ? ['→', 'current', 'expected now']
              : ['·', 'pending', ''];
      return h(
        'li',
        { class: `stage ${cls}`, 'data-stage': s.event },
        `${mark} `,
        h('code', {}, s.event),
        text === '' ? '' : ` ${text}`,
      );
    }),
  );
}

/** The timeline: each event off the subject (and each timeout noticed), the state after it, the flag it raised or cleared. */
function timeline(i: ChoreographyInstanceDetail): HTMLElement {
  const startedAt = i.events[0]?.at ?? 0;
  return h(
    'table',
    { class: 'timeline', 'data-testid': 'timeline' },
    h('thead', {}, h('tr', {}, ...['#', 'at', '+', 'event', 'state after', 'flag'].map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      ...i.events.map((e) =>
        h(
          'tr',
          { class: e.flag !== null ? 'flagged' : e.cleared.length > 0 ? 'cleared' : '' },
          h('td', {}, String(e.n)),
          h('td', { class: 'when' }, clock(e.at)),
          h('td', {}, `+${((e.at - startedAt) / 1000).toFixed(3)}s`),
          h('td', {}, e.type === TIMEOUT ? 'quiet past the timeout' : e.type),
          h('td', {}, typeof e.state === 'string' ? e.state : JSON.stringify(e.state)),
          h(
            'td',
            {},
            [...(e.flag === null ? [] : [`⚑ ${e.flag}`]), ...e.cleared.map((kind) => `✓ cleared ${kind}`)].join(' · '),
          ),
        ),
      ),
    ),
  );
}

/**
 * One instance of a choreography: status, what it waits for, its flags, its
 * statechart with the current state lit (stages done, failed and undone
 * marked), its stages and its timeline. Polled.
 */
export async function choreographyInstanceView(root: HTMLElement, name: string, id: string): Promise<() => void> {
  const base = `/api/choreographies/${encodeURIComponent(name)}`;
  const choreography = await api<ChoreographySummary>('GET', base);
  const path = `${base}/instances/${encodeURIComponent(id)}`;
  let instance = await api<ChoreographyInstanceDetail>('GET', path);
  const chart = await choreographyChart(choreography, 320);
  const status = h('span', { 'data-testid': 'status' });
  const where = h('span', { class: 'muted', 'data-testid': 'where' });
  const banner = h('div', { class: 'banner', 'data-testid': 'flags' });
  const now = h('p', { class: 'choreography-now', 'data-testid': 'now' });
  const stages = h('div');
  const events = h('div');
  const render = () => {
    status.className = `badge status-${instance.status}`;
    status.textContent = instance.status;
    where.textContent = whereText(instance);
    banner.className = instance.flags.length === 0 ? 'banner' : 'banner failed';
    banner.replaceChildren(
      ...(instance.flags.length === 0
        ? []
        : [h('b', {}, `Flagged (${instance.flags.length}): `), ...flagChips(instance)]),
    );
    now.textContent = nowText(instance, choreography);
    chart.paint(instance);
    stages.replaceChildren(h('h3', {}, 'Stages'), stageList(instance, choreography));
    events.replaceChildren(
      h('h3', {}, `Timeline (${instance.events.length} event${instance.events.length === 1 ? '' : 's'})`),
      timeline(instance),
    );
  };
  root.replaceChildren(
    h(
      'div',
      { class: 'title-row' },
      h('h2', {}, `${instance.correlationId} `, h('small', {}, name)),
      status,
      where,
      h('a', { href: `#/choreography/${encodeURIComponent(name)}`, class: 'push' }, `All instances of ${name} →`),
    ),
    banner,
    now,
    h('section', { class: 'chart-panel', 'data-testid': 'chart' }, chart.element),
    h('div', { class: 'columns' }, stages, events),
  );
  render();
  chart.fit();
  const timer = setInterval(() => {
    void api<ChoreographyInstanceDetail>('GET', path).then(
      (fresh) => {
        const moved = fresh.updatedAt !== instance.updatedAt || fresh.events.length !== instance.events.length;
        instance = fresh;
        if (moved) render();
        else now.textContent = nowText(instance, choreography); // the countdown
      },
      () => undefined,
    );
  }, POLL_MS);
  return () => clearInterval(timer);
}
