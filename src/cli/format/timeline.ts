import type { JournalEntry } from '../../events/JournalEntry.js';

const ICONS: Partial<Record<JournalEntry['type'], string>> = {
  SagaStarted: '▶',
  StepStarted: '·',
  StepCompleted: '✓',
  StepFailed: '✗',
  StepRetryScheduled: '↻',
  CompensationStarted: '↩',
  StepCompensated: '↩',
  CompensationFailed: '✗',
  EventReceived: '✉',
  CancelRequested: '■',
  SagaCompleted: '●',
  SagaCompensated: '●',
  SagaFailed: '!',
  ManualRetry: '↻',
};

const ms = (n: number) => (n < 1000 ? `${n}ms` : `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)}s`);

/** A field of the entry's data as text ('' when absent or not a scalar). */
const field = (data: Record<string, unknown> | null | undefined, name: string, fallback = ''): string => {
  const value = data?.[name];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : fallback;
};

function detail(entry: JournalEntry): string {
  const data = entry.data as Record<string, unknown> | null | undefined;
  switch (entry.type) {
    case 'StepFailed':
    case 'CompensationFailed':
      return `${field(data, 'name', 'Error')}: ${field(data, 'message', '')}`;
    case 'StepRetryScheduled':
      return `attempt ${entry.attempt ?? '?'} in ${ms(Number(field(data, 'delayMs', '0')))}`;
    case 'CancelRequested':
      return field(data, 'reason', '');
    case 'EventReceived':
      return field(data, 'event', '');
    case 'SagaFailed':
      return `stopped at ${field(data, 'step', '?')}: ${field(data, 'message', '')} — fix the cause, then retry`;
    default:
      return '';
  }
}

/**
 * One line per journal entry: time since start, what happened, to which step,
 * and for completions how long the step (or compensation) took.
 *
 * @example
 * "+0.012s ✓ StepCompleted        processPayment #1  (4ms)"
 */
export function formatEntry(entry: JournalEntry, startedAt: number, startedSteps: Map<string, number>): string {
  const key = `${entry.type.startsWith('Compensation') || entry.type === 'StepCompensated' ? 'undo:' : ''}${entry.step ?? ''}:${entry.attempt ?? ''}`;
  if (entry.type === 'StepStarted' || entry.type === 'CompensationStarted') startedSteps.set(key, entry.at);
  let took = '';
  if (['StepCompleted', 'StepFailed', 'StepCompensated', 'CompensationFailed'].includes(entry.type)) {
    const begin = startedSteps.get(key);
    if (begin !== undefined) took = ` (${ms(entry.at - begin)})`;
  }
  const offset = `+${((entry.at - startedAt) / 1000).toFixed(3)}s`;
  const step =
    entry.step === undefined ? '' : `${entry.step}${entry.attempt === undefined ? '' : ` #${entry.attempt}`}`;
  const extra = detail(entry);
  return `${offset.padStart(10)} ${ICONS[entry.type] ?? ' '} ${entry.type.padEnd(20)} ${step}${took}${extra === '' ? '' : `  ${extra}`}`;
}

/** The whole journal as a timeline. */
export function formatTimeline(journal: readonly JournalEntry[]): string[] {
  const startedAt = journal[0]?.at ?? 0;
  const started = new Map<string, number>();
  return journal.map((entry) => formatEntry(entry, startedAt, started));
}
