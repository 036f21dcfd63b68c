import { api, type SagaSummary } from '../api.js';
import { chartPanel } from '../chartPanel.js';
import { h, json } from '../dom.js';
import { schemaExample } from '../../../src/server/schemaExample.js';
import { shortDuration, stepBadges } from '../sagaDiagram.js';

/** One saga: its saga view (or statechart), its steps, what it takes and waits for. */
export async function sagaView(root: HTMLElement, name: string): Promise<void> {
  const saga = await api<SagaSummary>('GET', `/api/sagas/${encodeURIComponent(name)}`);
  const panel = await chartPanel(saga, Math.max(320, window.innerHeight - 330));
  const steps = saga.steps.map((s) =>
    h(
      'li',
      {},
      h('code', {}, s.name),
      s.kind === 'step' ? '' : ` ${s.kind}`,
      s.branches === undefined ? '' : ` · ${s.branches.map((b) => b.name).join(' ∥ ')}`,
      s.compensable === true ? ' · compensable' : '',
      ...stepBadges(s).map((b) => h('span', { class: 'chip' }, b)),
    ),
  );
  const events = saga.steps.filter((s) => s.kind === 'awaitEvent');
  root.replaceChildren(
    h(
      'div',
      { class: 'title-row' },
      h('h2', {}, `${saga.name} `, h('small', {}, `v${saga.version}`)),
      saga.description === null ? '' : h('span', { class: 'muted' }, saga.description),
      h('a', { href: `#/?saga=${encodeURIComponent(saga.name)}`, class: 'push' }, `Executions of ${saga.name} →`),
    ),
    panel.element,
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        {},
        h('h3', {}, 'Steps'),
        h('ol', { class: 'steps' }, ...steps),
        saga.deadlineMs === null ? '' : h('p', {}, `Deadline: ${shortDuration(saga.deadlineMs)} after the start`),
      ),
      h(
        'div',
        {},
        h('h3', {}, 'Input'),
        h('pre', { class: 'json' }, json(schemaExample(saga.inputSchema))),
        ...events.map((e) =>
          h(
            'div',
            {},
            h('h3', {}, `Event ${e.event ?? ''}`),
            h('pre', { class: 'json' }, json(schemaExample(e.schema ?? null))),
          ),
        ),
      ),
    ),
  );
  panel.fit();
}
