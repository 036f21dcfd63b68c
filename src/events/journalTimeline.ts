/** The fields of a journal entry a timeline reads (structural, so the inspector's copy fits too). */
export interface TimelineEntry {
  readonly at: number;
  readonly type: string;
  readonly step?: string | undefined;
  readonly attempt?: number | undefined;
  readonly data?: unknown;
}

/** `4ms`, `1.20s`, `12.5s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** A field of the entry's data as text ('' when absent or not a scalar). */
function field(data: unknown, name: string, fallback = ''): string {
  const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : fallback;
}

/**
 * What an entry says beyond its type and step: the error of a failure, when a
 * retry comes, why the saga was cancelled, where a Failed saga stopped.
 * Plain text; callers insert it as text, never as HTML.
 */
export function entryDetail(entry: TimelineEntry): string {
  const { data } = entry;
  switch (entry.type) {
    case 'StepFailed':
    case 'CompensationFailed':
      return `${field(data, 'name', 'Error')}: ${field(data, 'message')}`;
    case 'StepRetryScheduled':
      return `attempt ${entry.attempt ?? '?'} in ${formatDuration(Number(field(data, 'delayMs', '0')))}${field(data, 'compensation') === 'true' ? ' (compensation)' : ''}`;
    case 'CancelRequested':
      return field(data, 'reason');
    case 'EventReceived':
      return field(data, 'event');
    case 'SagaFailed':
      return `stopped at ${field(data, 'step', '?')}: ${field(data, 'message')}`;
    default:
      return '';
  }
}

const STARTS = ['StepStarted', 'CompensationStarted'];
const ENDS = ['StepCompleted', 'StepFailed', 'StepCompensated', 'CompensationFailed'];

/**
 * Returns a function to feed a journal's entries in order; for an entry that
 * ends a step attempt or a compensation it returns how long that took (ms).
 */
export function stepTimer(): (entry: TimelineEntry) => number | undefined {
  const started = new Map<string, number>();
  return (entry) => {
    const undo = entry.type.startsWith('Compensation') || entry.type === 'StepCompensated';
    const key = `${undo ? 'undo:' : ''}${entry.step ?? ''}:${entry.attempt ?? ''}`;
    if (STARTS.includes(entry.type)) started.set(key, entry.at);
    const begin = started.get(key);
    return ENDS.includes(entry.type) && begin !== undefined ? entry.at - begin : undefined;
  };
}
