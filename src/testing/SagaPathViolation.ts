import { SagaError } from '../definition/errors.js';
import type { JournalEntry } from '../events/JournalEntry.js';

/**
 * What broke: a saga invariant; the saga's own code threw; the path sat past
 * its time budget; or the engine refused what the path sent.
 */
export type SagaPathViolationKind = 'invariant' | 'threw' | 'stuck' | 'refused';

export interface SagaPathViolationDetails {
  readonly kind?: SagaPathViolationKind;
  readonly step?: string;
  /** Where the step was: running, compensating, or waiting for an event. */
  readonly phase?: 'run' | 'compensate' | 'wait';
  /** The error the saga's code threw, or the refusal. */
  readonly error?: unknown;
  /** The execution's state when the path stopped, e.g. `Running.chargePayment.run`. */
  readonly state?: string;
  /** The execution's last journal entries. */
  readonly journal?: readonly JournalEntry[];
  /** The input and event data of the run that broke, with which parts were generated. */
  readonly data?: { readonly input: unknown; readonly eventData: unknown; readonly generated: readonly string[] };
}

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

function journalLine(entry: JournalEntry): string {
  const data = entry.data === undefined ? '' : ` ${show(entry.data).slice(0, 160)}`;
  return `#${entry.seq} ${entry.type}${entry.step === undefined ? '' : ` ${entry.step}`}${entry.attempt === undefined ? '' : ` attempt ${entry.attempt}`}${data}`;
}

/**
 * A path broke: names the path, the invariant and the first divergence, and
 * (as fits the kind) the step, phase and error, the state the execution sat
 * in, its last journal entries and the data of the run.
 *
 * @example
 * try { await runSagaPath(saga, path); }
 * catch (e) { if (e instanceof SagaPathViolation) console.error(e.kind, e.step, e.message); }
 */
export class SagaPathViolation extends SagaError {
  override readonly code = 'SAGA_PATH_VIOLATION';
  override name = 'SagaPathViolation';
  readonly kind: SagaPathViolationKind;
  readonly phase: SagaPathViolationDetails['phase'];
  readonly error: unknown;
  readonly state: string | undefined;
  readonly journal: readonly JournalEntry[];
  readonly data: SagaPathViolationDetails['data'];

  constructor(
    readonly path: string,
    readonly invariant: string,
    readonly divergence: string,
    executionId: string,
    readonly details: SagaPathViolationDetails = {},
  ) {
    const lines = [`Path "${path}" broke "${invariant}": ${divergence}`];
    if (details.state !== undefined) lines.push(`  state: ${details.state}`);
    if (details.data !== undefined) {
      const { input, eventData, generated } = details.data;
      const gen = (part: string) =>
        generated.some((g) => g === part || g.startsWith(`${part}.`)) ? ' (generated)' : '';
      lines.push(`  input${gen('input')}: ${show(input)}`);
      if (typeof eventData === 'object' && eventData !== null && Object.keys(eventData).length > 0) {
        lines.push(`  eventData${gen('eventData')}: ${show(eventData)}`);
      }
    }
    if (details.journal !== undefined && details.journal.length > 0) {
      lines.push('  last journal entries:', ...details.journal.map((e) => `    ${journalLine(e)}`));
    }
    super(lines.join('\n'), { executionId, ...(details.step === undefined ? {} : { step: details.step }) });
    this.kind = details.kind ?? 'invariant';
    this.phase = details.phase;
    this.error = details.error;
    this.state = details.state;
    this.journal = details.journal ?? [];
    this.data = details.data;
  }

  /** The same violation, told with the data of the run that broke (e.g. a shrunk input). */
  withData(data: NonNullable<SagaPathViolationDetails['data']>): SagaPathViolation {
    return new SagaPathViolation(this.path, this.invariant, this.divergence, this.executionId ?? '', {
      ...this.details,
      data,
    });
  }
}
