import { api, stream, type Execution, type JournalEntry, type SagaSummary } from '../api.js';
import { chartPanel } from '../chartPanel.js';
import { entryDetail, formatDuration, stepTimer } from '../../../src/events/journalTimeline.js';
import { schemaExample } from '../../../src/server/schemaExample.js';
import { h, json } from '../dom.js';
import { paintSaga } from '../paintSaga.js';
import { latestFetcher } from '../latestFetcher.js';
import { paintStatechart } from '../paintStatechart.js';
import { activeStateIds } from '../chartModel.js';
import { journalStateIds } from '../journalStateIds.js';
import { cancelRule, nowLines, retryPlan } from './nowPanel.js';
import { stepPanel } from './stepPanel.js';

interface StreamedEntry {
  status: Execution['status'];
  state: unknown;
  entry: JournalEntry;
}

/** One execution: what it waits for and what can be done, its saga view lit up live, its journal. */
export async function executionView(root: HTMLElement, id: string): Promise<() => void> {
  const path = `/api/executions/${encodeURIComponent(id)}`;
  let execution = await api<Execution>('GET', path);
  const saga = await api<SagaSummary>('GET', `/api/sagas/${encodeURIComponent(execution.saga)}`);
  const panel = await chartPanel(saga, 250);
  const entries: JournalEntry[] = [];
  const timer = stepTimer();
  let selected: string | undefined;
  /** How many journal entries the drawing shows; undefined: all of them, live. */
  let travel: number | undefined;

  const status = h('span', { class: `badge status-${execution.status}`, 'data-testid': 'status' }, execution.status);
  const banner = h('div', { class: 'banner', 'data-testid': 'banner' });
  const now = h('div', { class: 'now-body' });
  const message = h('p', { class: 'message', 'data-testid': 'message', role: 'status' });
  let messageStatus: string | undefined;
  const rows = h('tbody', { 'data-testid': 'timeline' });
  const side = h('div', { class: 'side' });
  const resultsBox = h('pre', { class: 'json', 'data-testid': 'results' });
  const inputBox = h('pre', { class: 'json' });
  const scrubber = h('input', {
    type: 'range',
    min: '0',
    max: '0',
    value: '0',
    'data-testid': 'scrubber',
    'aria-label': 'time travel through the journal',
  });
  const scrubLabel = h('span', { class: 'scrub-label', 'data-testid': 'scrub-label' }, 'live');

  const say = (text: string) => {
    message.textContent = text;
    messageStatus = execution.status;
  };
  const act = async (label: string, call: () => Promise<Execution>) => {
    say(`${label}…`);
    try {
      const fresh = await call();
      // The live stream may have shown a later state before this answer came: "now" would be stale.
      say(
        fresh.status === execution.status
          ? `${label}: accepted, the execution is now ${fresh.status}.`
          : `${label}: accepted.`,
      );
    } catch (error) {
      say(`${label} refused: ${(error as Error).message}`);
    }
  };

  // Send: the awaited event's type filled in, a data template from its schema.
  const eventData = h('textarea', { name: 'event-data', rows: '3', 'aria-label': 'event data', spellcheck: 'false' });
  const sendForm = h('form', { class: 'send-form', 'data-testid': 'send-form' });
  let templateFor: string | undefined;
  const renderSend = () => {
    const wait = execution.waiting.find((w) => w.kind === 'event');
    if (wait === undefined || wait.kind !== 'event') {
      sendForm.replaceChildren();
      sendForm.hidden = true;
      templateFor = undefined;
      return;
    }
    sendForm.hidden = false;
    if (templateFor === wait.step) return;
    templateFor = wait.step;
    const schema = saga.steps.find((s) => s.name === wait.step)?.schema ?? null;
    eventData.value = schema === null ? '' : json(schemaExample(schema));
    eventData.rows = Math.min(8, Math.max(2, eventData.value.split('\n').length));
    sendForm.replaceChildren(
      h('label', {}, 'Send ', h('code', { 'data-testid': 'send-type' }, wait.event), ' with data (JSON):'),
      eventData,
      h('button', { type: 'submit', 'data-testid': 'send' }, `Send ${wait.event}`),
      schema === null
        ? ''
        : h('details', {}, h('summary', {}, 'data schema'), h('pre', { class: 'json' }, json(schema))),
    );
    sendForm.onsubmit = (event) => {
      event.preventDefault();
      const raw = eventData.value.trim();
      let data: unknown;
      try {
        data = raw === '' ? undefined : JSON.parse(raw);
      } catch (error) {
        say(`Not sent: the data is not valid JSON (${(error as Error).message})`);
        return;
      }
      void act(`Send ${wait.event}`, () =>
        api<Execution>(
          'POST',
          `${path}/events`,
          data === undefined ? { type: wait.event } : { type: wait.event, data },
        ),
      );
    };
  };

  // Cancel: a confirmation with a reason; disabled, saying why, when it cannot apply.
  const reason = h('input', {
    name: 'reason',
    'data-testid': 'cancel-reason',
    placeholder: 'why (kept in the journal)',
  });
  const dialog = h('dialog', { 'data-testid': 'cancel-dialog' }, h('form', { method: 'dialog' }));
  const cancelButton = h('button', { type: 'button', 'data-testid': 'cancel', class: 'danger' }, 'Cancel…');
  const cancelWhy = h('span', { class: 'why muted', 'data-testid': 'cancel-why' });
  cancelButton.addEventListener('click', () => {
    const undo = execution.completed.filter((s) => saga.steps.find((x) => x.name === s)?.compensable === true);
    reason.value = '';
    dialog.replaceChildren(
      h('h3', {}, `Cancel ${execution.id}?`),
      h(
        'p',
        {},
        undo.length === 0
          ? 'The saga stops and compensates; no completed step needs undoing yet.'
          : `The saga stops and compensates: it undoes ${[...undo].reverse().join(', then ')}.`,
      ),
      h('label', {}, 'Reason ', reason),
      h(
        'div',
        { class: 'dialog-buttons' },
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Keep it running'),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            'data-testid': 'cancel-confirm',
            onclick: () => {
              const why = reason.value.trim();
              if (why === '') {
                reason.focus();
                reason.setAttribute('aria-invalid', 'true');
                return;
              }
              dialog.close();
              void act('Cancel', () => api<Execution>('POST', `${path}/cancel`, { reason: why }));
            },
          },
          'Cancel the execution',
        ),
      ),
    );
    dialog.showModal();
    reason.focus();
  });

  const retryButton = h(
    'button',
    {
      type: 'button',
      'data-testid': 'retry',
      onclick: () => void act('Retry', () => api<Execution>('POST', `${path}/retry`, {})),
    },
    'Retry',
  );
  const retryWhat = h('span', { class: 'why', 'data-testid': 'retry-plan' });

  const showStep = (key: string | undefined) => {
    selected = key;
    for (const node of panel.diagram.nodes.values()) node.classList.toggle('selected', node.dataset['node'] === key);
    side.replaceChildren(
      ...(key === undefined
        ? [h('h3', {}, 'Results'), resultsBox, h('h3', {}, 'Input'), inputBox]
        : [stepPanel(key, execution, saga, entries, () => showStep(undefined)), h('h3', {}, 'Results'), resultsBox]),
    );
  };
  for (const [key, node] of panel.diagram.nodes) {
    if (!key.startsWith('run:') && !key.startsWith('undo:')) continue;
    node.addEventListener('click', () => showStep(key));
    node.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') showStep(key);
    });
  }

  const repaint = () => {
    const shown = travel === undefined ? entries : entries.slice(0, travel);
    paintSaga(panel.diagram, saga, shown);
    const chart = panel.statechart();
    if (chart !== undefined) {
      // Live: the state the server reports; travelling: the state the journal says it was in then.
      const active =
        travel === undefined
          ? activeStateIds(panel.machineId, execution.state)
          : journalStateIds(chart, panel.machineId, shown);
      paintStatechart(chart, active, shown);
      const current = active.at(-1);
      if (current !== undefined) panel.revealState(current);
    }
    for (const row of rows.children) {
      const seq = Number((row as HTMLElement).dataset['seq']);
      row.classList.toggle('future', travel !== undefined && seq > (entries[travel - 1]?.seq ?? 0));
      row.classList.toggle('here', travel !== undefined && seq === entries[travel - 1]?.seq);
    }
    scrubber.max = String(entries.length);
    if (travel === undefined) {
      scrubber.value = String(entries.length);
      scrubLabel.textContent = 'live';
    } else {
      const entry = entries[travel - 1];
      scrubLabel.textContent =
        entry === undefined
          ? 'before the start'
          : `as after #${entry.seq} ${entry.type}${entry.step === undefined ? '' : ` ${entry.step}`} (${new Date(entry.at).toLocaleTimeString()})`;
    }
    scrubLabel.title = scrubLabel.textContent;
  };
  scrubber.addEventListener('input', () => {
    const value = Number(scrubber.value);
    travel = value >= entries.length ? undefined : value;
    repaint();
  });
  panel.onSwitch(repaint);

  const render = () => {
    status.textContent = execution.status;
    status.className = `badge status-${execution.status}`;
    if (messageStatus !== undefined && messageStatus !== execution.status) {
      // What the last action said is about a state that has passed.
      message.textContent = '';
      messageStatus = undefined;
    }
    now.replaceChildren(nowLines(execution));
    renderSend();
    const rule = cancelRule(execution, saga);
    cancelButton.disabled = !rule.allowed;
    cancelButton.title = rule.why;
    cancelWhy.textContent = rule.why;
    cancelButton.hidden = execution.status === 'Completed' || execution.status === 'Compensated';
    cancelWhy.hidden = cancelButton.hidden;
    retryButton.hidden = execution.status !== 'Failed';
    retryWhat.hidden = retryButton.hidden;
    retryWhat.textContent = execution.status === 'Failed' ? retryPlan(execution) : '';
    if (execution.status === 'Failed' && execution.failure !== null) {
      const f = execution.failure;
      banner.className = 'banner failed';
      banner.replaceChildren(
        h('strong', {}, 'A person must act. '),
        `${f.phase === 'Compensating' ? 'The compensation of' : 'The step'} "${f.step}" gave up after ${f.attempts} attempt(s): `,
        h('code', {}, `${f.errorName}: ${f.message}`),
        f.phase === 'Compensating'
          ? '. The rollback stopped there (earlier steps are still applied). Fix the cause, then press Retry to resume the rollback from that step.'
          : '. The saga is past its pivot, so nothing is undone. Fix the cause, then press Retry to continue forward from that step.',
      );
    } else if (
      execution.reason !== null &&
      (execution.status === 'Compensating' || execution.status === 'Compensated')
    ) {
      banner.className = 'banner info';
      const verb = execution.status === 'Compensated' ? 'Compensated' : 'Compensating';
      const cause =
        execution.reason.kind === 'cancelled'
          ? 'cancelled: '
          : execution.reason.kind === 'deadline'
            ? ''
            : `${execution.reason.step ?? 'a step'} failed: `;
      banner.replaceChildren(`${verb} because ${cause}${execution.reason.message}`);
    } else {
      banner.className = 'banner';
      banner.replaceChildren();
    }
    inputBox.textContent = json(execution.input);
    resultsBox.textContent = json(execution.results);
    if (selected !== undefined) showStep(selected);
  };

  const addRow = (entry: JournalEntry) => {
    const first = entries[0]?.at ?? entry.at;
    const duration = timer(entry);
    const took = duration === undefined ? '' : formatDuration(duration);
    const row = h(
      'tr',
      { class: `entry entry-${entry.type}`, 'data-type': entry.type, 'data-seq': String(entry.seq) },
      h('td', {}, String(entry.seq)),
      h('td', {}, `+${formatDuration(entry.at - first)}`),
      h('td', {}, entry.type),
      h('td', {}, entry.step ?? ''),
      h('td', {}, entry.attempt === undefined ? '' : String(entry.attempt)),
      h('td', {}, took),
      h('td', { class: 'detail' }, entryDetail(entry)),
    );
    if (entry.step !== undefined) {
      const undo = entry.type.startsWith('Compensation') || entry.type === 'StepCompensated';
      const key = `${undo ? 'undo' : 'run'}:${entry.step}`;
      row.addEventListener('click', () => showStep(key));
      row.classList.add('clickable');
    }
    rows.append(row);
  };

  const created = new Date(execution.createdAt).toLocaleString();
  const other = h('input', { name: 'compare', placeholder: 'another execution id', 'data-testid': 'compare-id' });
  const compareForm = h('form', { class: 'compare-form push' }, other, h('button', { type: 'submit' }, 'Compare'));
  compareForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (other.value.trim() === '') return;
    location.hash = `#/compare/${encodeURIComponent(execution.id)}/${encodeURIComponent(other.value.trim())}`;
  });
  root.replaceChildren(
    h(
      'div',
      { class: 'title-row' },
      h('h2', {}, `Execution ${execution.id} `, status),
      h(
        'span',
        { class: 'muted' },
        'saga ',
        h('a', { href: `#/saga/${encodeURIComponent(execution.saga)}` }, execution.saga),
        ` v${execution.version} · started ${created}`,
      ),
      compareForm,
    ),
    banner,
    h(
      'section',
      { class: 'now', 'data-testid': 'now' },
      h('div', { class: 'now-what' }, h('h3', {}, 'Now'), now),
      h(
        'div',
        { class: 'now-actions' },
        sendForm,
        h('div', { class: 'buttons' }, retryButton, retryWhat, cancelButton, cancelWhy),
        message,
      ),
    ),
    dialog,
    panel.element,
    h(
      'div',
      { class: 'lower' },
      h(
        'div',
        { class: 'journal' },
        h(
          'div',
          { class: 'journal-head' },
          h('h3', {}, 'Journal'),
          h('label', { class: 'scrub' }, 'time travel ', scrubber),
          scrubLabel,
        ),
        h(
          'table',
          { class: 'timeline' },
          h(
            'thead',
            {},
            h('tr', {}, ...['#', 'time', 'event', 'step', 'attempt', 'took', 'detail'].map((c) => h('th', {}, c))),
          ),
          rows,
        ),
      ),
      side,
    ),
  );
  showStep(undefined);
  render();
  panel.fit();
  repaint();

  const refresh = latestFetcher(
    () => api<Execution>('GET', path),
    (fresh) => {
      // The stream is the newest word on status and state; the fetch fills in the rest.
      execution = { ...fresh, status: execution.status, state: execution.state };
      render();
    },
  );
  const ticker = window.setInterval(() => now.replaceChildren(nowLines(execution)), 1000);
  const stop = stream(`${path}/stream`, 'journal', (data) => {
    const { entry, state, status: current } = data as StreamedEntry;
    if (entries.some((e) => e.seq === entry.seq)) return;
    addRow(entry);
    entries.push(entry);
    execution = { ...execution, status: current, state };
    render();
    repaint();
    refresh();
  });
  return () => {
    window.clearInterval(ticker);
    stop();
  };
}
