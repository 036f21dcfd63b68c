import { api, type SagaSummary, type StepSummary } from '../api.js';
import { chartPanel } from '../chartPanel.js';
import { h, json } from '../dom.js';
import { schemaExample } from '../../../src/server/schemaExample.js';
import { remoteBadge, shortDuration, stepBadges } from '../stepBadges.js';

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
      ...remoteChips(s),
    ),
  );
  const events = saga.steps.filter((s) => s.kind === 'awaitEvent');
  // Start an execution from the page: the input pre-filled from the saga's input JSON Schema.
  const input = h('textarea', {
    name: 'input',
    'aria-label': 'input',
    spellcheck: 'false',
    'data-testid': 'start-input',
  });
  input.value = json(schemaExample(saga.inputSchema));
  input.rows = Math.min(12, Math.max(3, input.value.split('\n').length));
  const startMessage = h('p', { class: 'message', role: 'status', 'data-testid': 'start-message' });
  const start = h(
    'form',
    { class: 'start-form', 'data-testid': 'start-form' },
    input,
    h('button', { type: 'submit', 'data-testid': 'start' }, `Start ${saga.name}`),
    startMessage,
  );
  start.addEventListener('submit', (event) => {
    event.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(input.value);
    } catch (error) {
      startMessage.textContent = `Not started: the input is not valid JSON (${(error as Error).message})`;
      return;
    }
    api<{ id: string }>('POST', '/api/executions', { saga: saga.name, input: value }).then(
      ({ id }) => {
        location.hash = `#/execution/${encodeURIComponent(id)}`;
      },
      (error: Error) => {
        startMessage.textContent = `Not started: ${error.message}`;
      },
    );
  });
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
        h('h3', {}, 'Start an execution'),
        start,
        inputFields(saga.inputSchema),
        ...events.map((e) =>
          h(
            'div',
            {},
            h('h3', {}, `Event ${e.event ?? ''} (step ${e.name}), data like`),
            h('pre', { class: 'json' }, json(schemaExample(e.schema ?? null))),
          ),
        ),
      ),
    ),
  );
  panel.fit();
}

/** Where a remote step (or a branch of a group) sends its command and its compensation's. */
function remoteChips(step: StepSummary): HTMLElement[] {
  const chips: HTMLElement[] = [];
  for (const s of [step, ...(step.branches ?? [])]) {
    for (const [lane, subject] of [
      ['run', s.remote?.run],
      ['compensate', s.remote?.compensate],
    ] as const) {
      if (subject === undefined) continue;
      const title = `${lane === 'run' ? s.name : `the compensation of ${s.name}`} is sent on ${subject} to a participant`;
      const text = lane === 'run' ? remoteBadge(subject) : `↶ ${remoteBadge(subject)}`;
      chips.push(h('span', { class: 'chip remote', 'data-remote': subject, title }, text));
    }
  }
  return chips;
}

/**
 * The input's top-level fields as the JSON Schema describes them: type, whether
 * required, and the description (the example sagas list their `failAt` names there).
 */
function inputFields(schema: Record<string, unknown> | null): HTMLElement | string {
  const properties = schema?.['properties'];
  if (typeof properties !== 'object' || properties === null) return '';
  const required = new Set(Array.isArray(schema?.['required']) ? (schema['required'] as string[]) : []);
  const rows = Object.entries(properties as Record<string, Record<string, unknown>>).map(([name, field]) => {
    const type = typeof field['type'] === 'string' ? field['type'] : Array.isArray(field['enum']) ? 'one of' : '';
    const values = Array.isArray(field['enum']) ? ` ${(field['enum'] as unknown[]).join(' | ')}` : '';
    return h(
      'tr',
      { 'data-field': name },
      h('td', {}, h('code', {}, name)),
      h('td', { class: 'muted' }, `${type}${values}${required.has(name) ? '' : ' (optional)'}`),
      h('td', {}, typeof field['description'] === 'string' ? field['description'] : ''),
    );
  });
  return h(
    'details',
    { class: 'input-fields', 'data-testid': 'input-fields', open: '' },
    h('summary', {}, 'Input fields'),
    h('table', {}, h('tbody', {}, ...rows)),
  );
}
