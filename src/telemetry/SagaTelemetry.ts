import {
  context,
  metrics,
  ProxyTracerProvider,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { JournalRecord } from '../events/JournalEntry.js';
import { errorName, safeMessage } from '../definition/plainJson.js';

/** The trace an execution belongs to, kept in its context so resumed work joins it. */
export interface StoredTraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

/** What telemetry needs to know about a live execution. */
export interface ExecutionTelemetryInfo {
  readonly saga: string;
  readonly version: number;
  readonly status: string;
  readonly trace: StoredTraceContext | null;
}

const TRACER = 'sagachart';

/** The no-op provider @opentelemetry/api delegates to while no SDK is registered. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/** True while no tracing SDK is registered (spans are then no-ops that record nothing). */
function noTracerProvider(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_TRACER_PROVIDER;
}

/** Journal entries that end no span and count in no metric: the most frequent ones, skipped first. */
const NOT_RECORDED: ReadonlySet<string> = new Set([
  'SagaStarted',
  'StepStarted',
  'CompensationStarted',
  'EventReceived',
]);

/**
 * Spans and metrics through @opentelemetry/api only: the application picks the
 * SDK (with none registered, every call is a no-op). One span per step attempt
 * (`saga.step <name>`) and per compensation (`saga.compensate <name>`), all
 * children of the execution's root span, whose context is stored with the
 * execution so work resumed after a crash joins the same trace.
 *
 * @internal
 */
export class SagaTelemetry {
  private readonly tracer = trace.getTracer(TRACER);
  private readonly meter = metrics.getMeter(TRACER);
  private readonly started = this.meter.createCounter('saga.executions.started', { description: 'Executions started' });
  private readonly finished = this.meter.createCounter('saga.executions.finished', {
    description: 'Executions that reached Completed, Compensated or Failed',
  });
  private readonly stepDuration = this.meter.createHistogram('saga.step.duration', {
    description: 'Duration of step attempts and compensations',
    unit: 'ms',
  });
  private readonly retries = this.meter.createCounter('saga.step.retries', { description: 'Retries scheduled' });
  private readonly compensations = this.meter.createCounter('saga.compensations', {
    description: 'Compensations completed',
  });
  private readonly waiting = this.meter.createUpDownCounter('saga.executions.failed_waiting', {
    description: 'Failed executions waiting for a person',
  });
  private readonly spans = new Map<string, { span: Span; startedAt: number }>();

  constructor(private readonly info: (executionId: string) => ExecutionTelemetryInfo | undefined) {}

  /**
   * Opens the execution's trace under the caller's active context and returns
   * it for storing; null when no tracing SDK is registered.
   */
  startExecution(saga: string, version: number, executionId: string): StoredTraceContext | null {
    const span = this.tracer.startSpan(`saga ${saga}`, {
      attributes: { 'saga.id': executionId, 'saga.name': saga, 'saga.version': version },
    });
    const { traceId, spanId, traceFlags } = span.spanContext();
    span.end();
    this.started.add(1, { 'saga.name': saga });
    return trace.isSpanContextValid(span.spanContext()) ? { traceId, spanId, traceFlags } : null;
  }

  /** Runs a step or compensation call inside its span, so the participant's own spans nest under it. */
  async around<T>(
    input: { executionId: string; step: string; attempt: number; kind: 'run' | 'compensate' },
    call: () => Promise<T>,
  ): Promise<T> {
    // No tracing SDK registered: every span would be a no-op that records nothing.
    if (noTracerProvider()) return call();
    const execution = this.info(input.executionId);
    if (execution === undefined) return call();
    const stored = execution.trace;
    const parent =
      stored === null
        ? context.active()
        : trace.setSpanContext(context.active(), { ...stored, isRemote: true } satisfies SpanContext);
    const compensation = input.kind === 'compensate';
    const attributes: Attributes = {
      'saga.id': input.executionId,
      'saga.name': execution.saga,
      'saga.version': execution.version,
      'saga.step': input.step,
      'saga.attempt': input.attempt,
      'saga.status': execution.status,
      ...(compensation ? { 'saga.compensate_for': input.step } : {}),
    };
    const span = this.tracer.startSpan(
      `saga.${compensation ? 'compensate' : 'step'} ${input.step}`,
      { attributes },
      parent,
    );
    // With no SDK registered the span records nothing: skip the bookkeeping on the hot path.
    if (!span.isRecording()) return call();
    this.spans.set(this.key(input.executionId, input.kind, input.step, input.attempt), { span, startedAt: Date.now() });
    try {
      return await context.with(trace.setSpan(parent, span), call);
    } catch (error) {
      // Whatever was thrown (a BigInt message, an object without a prototype) becomes plain text.
      const message = safeMessage(error);
      span.recordException({ name: errorName(error), message });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      throw error;
    }
  }

  /** Ends spans and records metrics as the chart emits its journal entries. */
  onJournal(executionId: string, sagaName: string, entry: JournalRecord): void {
    if (NOT_RECORDED.has(entry.type)) return;
    const saga = { 'saga.name': sagaName };
    const step = entry.step ?? '';
    const data = (entry.data ?? {}) as { name?: string; message?: string; delayMs?: number; compensation?: boolean };
    switch (entry.type) {
      case 'StepCompleted':
      case 'StepFailed':
        // No span open (no tracing SDK recording): nothing to end or time.
        if (this.spans.size === 0) break;
        this.endSpan(
          executionId,
          'run',
          step,
          entry.attempt ?? 1,
          entry.type === 'StepCompleted' ? 'completed' : 'failed',
          saga,
          (span) => {
            if (data.name === 'StepTimeoutError') {
              span.addEvent('saga.timeout');
              span.setStatus({ code: SpanStatusCode.ERROR, message: data.message ?? 'timed out' });
            }
          },
        );
        break;
      case 'StepCompensated':
      case 'CompensationFailed':
        if (entry.type === 'StepCompensated') this.compensations.add(1, { ...saga, 'saga.step': step });
        this.endSpan(
          executionId,
          'compensate',
          step,
          entry.attempt ?? 1,
          entry.type === 'StepCompensated' ? 'completed' : 'failed',
          saga,
        );
        break;
      case 'StepRetryScheduled': {
        this.retries.add(1, { ...saga, 'saga.step': step });
        const kind = data.compensation === true ? 'compensate' : 'run';
        const failed = this.spans.get(this.key(executionId, kind, step, (entry.attempt ?? 2) - 1))?.span;
        failed?.addEvent('saga.retry_scheduled', {
          'saga.next_attempt': entry.attempt ?? 0,
          'saga.delay_ms': data.delayMs ?? 0,
        });
        break;
      }
      case 'CancelRequested':
        for (const [key, { span }] of this.spans)
          if (key.startsWith(`${executionId}\u0000`)) span.addEvent('saga.cancelled');
        break;
      case 'SagaCompleted':
      case 'SagaCompensated':
      case 'SagaFailed':
        this.finished.add(1, { ...saga, 'saga.status': entry.type.slice('Saga'.length) });
        if (entry.type === 'SagaFailed') this.waiting.add(1, saga);
        break;
      case 'ManualRetry':
        this.waiting.add(-1, saga);
        break;
      default:
        break;
    }
  }

  /** Ends the spans still open (the engine stopped): their work reruns elsewhere. */
  endAll(): void {
    for (const { span } of this.spans.values()) span.end();
    this.spans.clear();
  }

  private key(executionId: string, kind: string, step: string, attempt: number): string {
    return `${executionId}\u0000${kind}\u0000${step}\u0000${attempt}`;
  }

  private endSpan(
    executionId: string,
    kind: 'run' | 'compensate',
    step: string,
    attempt: number,
    outcome: string,
    attributes: Attributes,
    before?: (span: Span) => void,
  ): void {
    const key = this.key(executionId, kind, step, attempt);
    const open = this.spans.get(key);
    if (open === undefined) return;
    this.stepDuration.record(Date.now() - open.startedAt, {
      ...attributes,
      'saga.step': step,
      'saga.outcome': outcome,
      'saga.kind': kind,
    });
    // End after the rest of this transition's entries (a retry scheduled) are added.
    queueMicrotask(() => {
      before?.(open.span);
      open.span.end();
      this.spans.delete(key);
    });
  }
}
