import type { JournalEntry } from '../../events/JournalEntry.js';
import { entryDetail, formatDuration, stepTimer } from '../../events/journalTimeline.js';

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

/**
 * One line per journal entry: time since start, what happened, to which step,
 * and for completions how long the step (or compensation) took.
 *
 * @example
 * "+0.012s ✓ StepCompleted        processPayment #1  (4ms)"
 */
export function formatEntry(entry: JournalEntry, startedAt: number, timer: ReturnType<typeof stepTimer>): string {
  const duration = timer(entry);
  const took = duration === undefined ? '' : ` (${formatDuration(duration)})`;
  const offset = `+${((entry.at - startedAt) / 1000).toFixed(3)}s`;
  const step =
    entry.step === undefined ? '' : `${entry.step}${entry.attempt === undefined ? '' : ` #${entry.attempt}`}`;
  const extra = entryDetail(entry);
  return `${offset.padStart(10)} ${ICONS[entry.type] ?? ' '} ${entry.type.padEnd(20)} ${step}${took}${extra === '' ? '' : `  ${extra}`}`;
}

/** The whole journal as a timeline. */
export function formatTimeline(journal: readonly JournalEntry[]): string[] {
  const startedAt = journal[0]?.at ?? 0;
  const timer = stepTimer();
  return journal.map((entry) => formatEntry(entry, startedAt, timer));
}
