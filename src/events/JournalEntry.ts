/** The kinds of journal entry, in the order a saga can produce them. */
export const JOURNAL_ENTRY_TYPES = [
  'SagaStarted',
  'StepStarted',
  'StepCompleted',
  'StepFailed',
  'StepRetryScheduled',
  'CompensationStarted',
  'StepCompensated',
  'CompensationFailed',
  'EventReceived',
  'CancelRequested',
  'SagaCompleted',
  'SagaCompensated',
  'SagaFailed',
  'ManualRetry',
  'ReplyIgnored',
] as const;

export type JournalEntryType = (typeof JOURNAL_ENTRY_TYPES)[number];

/** A journal entry before the store numbers it. */
export interface JournalRecord {
  readonly at: number;
  readonly type: JournalEntryType;
  readonly step?: string;
  readonly attempt?: number;
  readonly data?: unknown;
}

/** One append-only journal entry of an execution. `seq` starts at 1 and has no gaps. */
export interface JournalEntry extends JournalRecord {
  readonly seq: number;
}
