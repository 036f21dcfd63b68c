import { InvalidOperationError, SagaInputError } from '../definition/errors.js';
import type { AnySagaDefinition } from '../definition/types.js';
import type { SagaStore, StoredExecution } from '../store/SagaStore.js';
import { copyPlainJson } from './boundaryValues.js';
import type { ExecuteResult } from './SagaEngineOptions.js';

/** What a start asked for, to compare with an earlier start under the same id or key. */
export interface StartRequest {
  readonly saga: string;
  /** The raw input (plain JSON); compared as canonical JSON only when an id or key is reused. */
  readonly input: unknown;
  readonly executionId: string;
  readonly idempotencyKey: string | undefined;
}

/** JSON with object keys sorted, so two equal plain values give the same text. @internal */
function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function claimText(request: StartRequest, existingId: string): string {
  return existingId === request.executionId
    ? `executionId "${request.executionId}"`
    : `idempotencyKey "${request.idempotencyKey ?? ''}"`;
}

/**
 * Refuses a start that reuses an execution id or idempotency key for another
 * saga or another input (as Step Functions' ExecutionAlreadyExists): the
 * caller would otherwise get an answer about a different request.
 *
 * @internal
 */
export function checkSameStart(request: StartRequest, existing: { id: string; saga: string; input: unknown }): void {
  if (existing.saga !== request.saga) {
    throw new InvalidOperationError(
      `The ${claimText(request, existing.id)} is already used by execution "${existing.id}" of saga "${existing.saga}", not "${request.saga}"`,
      { executionId: existing.id },
    );
  }
  if (canonicalJson(existing.input) !== canonicalJson(request.input)) {
    throw new InvalidOperationError(
      `The ${claimText(request, existing.id)} is already used by execution "${existing.id}" with a different input; ` +
        'use a new id or key for a new request',
      { executionId: existing.id },
    );
  }
}

/**
 * The execution a start with a caller-given id or key names, if it exists (refused
 * when the start asked for another saga or input), else undefined.
 *
 * @internal
 */
export async function existingStart(
  store: SagaStore,
  request: StartRequest,
  live: boolean,
): Promise<ExecuteResult | undefined> {
  const { executionId: id, idempotencyKey: key } = request;
  const existing = live
    ? await store.get(id)
    : ((await store.get(id)) ?? (key === undefined ? undefined : await store.getByIdempotencyKey(key)));
  if (existing === undefined) return undefined;
  checkSameStart(request, { id: existing.id, saga: existing.saga, input: storedInput(existing) });
  return { id: existing.id, existing: true };
}

/** The raw input an execution was started with. @internal */
export function storedInput(stored: StoredExecution): unknown {
  const snapshot = JSON.parse(stored.snapshot) as { context?: { input?: unknown } };
  return snapshot.context?.input;
}

/**
 * The caller's input as the engine keeps it: a plain JSON copy that passed the
 * saga's schema. Steps see the schema's output, parsed on every run (schemaValues.ts).
 *
 * @internal
 */
export function checkedInput(definition: AnySagaDefinition, input: unknown): unknown {
  const raw = copyPlainJson(input, 'input', `Invalid input for saga "${definition.name}"`);
  const parsed = definition.input.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message, code: i.code }));
    const where = issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    throw new SagaInputError(`Invalid input for saga "${definition.name}": ${where}`, issues);
  }
  return raw;
}

/**
 * Starts that overlap in time, by execution id and idempotency key: the first
 * one starts, a later one with the same request shares its answer, a later one
 * with another request is refused.
 *
 * @internal
 */
export class StartClaims {
  private readonly inFlight = new Map<string, { started: Promise<ExecuteResult>; request: StartRequest }>();

  async claim(request: StartRequest, start: () => Promise<ExecuteResult>): Promise<ExecuteResult> {
    const keys = [
      `id:${request.executionId}`,
      ...(request.idempotencyKey === undefined ? [] : [`key:${request.idempotencyKey}`]),
    ];
    for (const key of keys) {
      const first = this.inFlight.get(key);
      if (first === undefined) continue;
      checkSameStart(request, { id: first.request.executionId, ...first.request });
      return { ...(await first.started), existing: true };
    }
    const started = start();
    for (const key of keys) this.inFlight.set(key, { started, request });
    try {
      return await started;
    } finally {
      for (const key of keys) this.inFlight.delete(key);
    }
  }
}
