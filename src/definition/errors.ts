/**
 * The typed errors of sagachart. Every error thrown across the public API is a
 * {@link SagaError} with a stable string `code`; catch the subclass for the
 * failure you handle differently.
 */

/** Context fields an error may carry. */
export interface SagaErrorContext {
  readonly executionId?: string;
  readonly step?: string;
  readonly cause?: unknown;
}

/**
 * Base class of every sagachart error.
 *
 * @example
 * try { await engine.send(id, { type: 'fraud.cleared' }); }
 * catch (e) { if (e instanceof SagaError) console.error(e.code, e.message); }
 */
export class SagaError extends Error {
  /** A stable, machine-readable code that survives bundling and serialisation. */
  readonly code: string = 'SAGA_ERROR';
  readonly executionId: string | undefined;
  readonly step: string | undefined;
  override name = 'SagaError';

  constructor(message: string, context: SagaErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.executionId = context.executionId;
    this.step = context.step;
  }
}

/**
 * A saga definition breaks a rule; the message names the step and the rule.
 *
 * @example
 * defineSaga({ name: 'x', version: 1, input, steps: [] }); // throws: needs at least one step
 */
export class SagaDefinitionError extends SagaError {
  override readonly code = 'SAGA_DEFINITION';
  override name = 'SagaDefinitionError';
  /** The rule that was broken, e.g. `unique-step-names`. */
  readonly rule: string;

  constructor(message: string, rule: string, context: SagaErrorContext = {}) {
    super(message, context);
    this.rule = rule;
  }
}

/** One problem found in a value, as zod reports it. */
export interface InputIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code: string;
}

/**
 * A saga's input (or an awaited event's data) failed its schema; nothing was stored.
 *
 * @example
 * await engine.execute('order-fulfillment', { orderId: 1 }); // SagaInputError, issues[0].path = ['orderId']
 */
export class SagaInputError extends SagaError {
  override readonly code = 'SAGA_INPUT';
  override name = 'SagaInputError';
  readonly issues: readonly InputIssue[];

  constructor(message: string, issues: readonly InputIssue[], context: SagaErrorContext = {}) {
    super(message, context);
    this.issues = issues;
  }
}

/** No saga (or no such version of it) is registered under that name. */
export class UnknownSagaError extends SagaError {
  override readonly code = 'UNKNOWN_SAGA';
  override name = 'UnknownSagaError';
  readonly saga: string;

  constructor(saga: string, version?: number) {
    super(
      version === undefined
        ? `Unknown saga "${saga}": no saga of that name is registered`
        : `Unknown saga "${saga}" version ${version}: that version is not registered`,
    );
    this.saga = saga;
  }
}

/** No execution has that id. */
export class ExecutionNotFoundError extends SagaError {
  override readonly code = 'EXECUTION_NOT_FOUND';
  override name = 'ExecutionNotFoundError';

  constructor(executionId: string) {
    super(`Execution "${executionId}" not found`, { executionId });
  }
}

/**
 * The operation is not allowed in the execution's current state, e.g. `send`
 * to an execution that is not waiting for that event, or `cancel` past the pivot.
 */
export class InvalidOperationError extends SagaError {
  override readonly code = 'INVALID_OPERATION';
  override name = 'InvalidOperationError';
  /** The execution's status when the operation was refused. */
  readonly status: string | undefined;

  constructor(message: string, context: SagaErrorContext & { status?: string } = {}) {
    super(message, context);
    this.status = context.status;
  }
}

/**
 * An execution was started on a definition whose shape has since changed
 * without a version bump; resuming it could corrupt it, so it is refused.
 */
export class DefinitionMismatchError extends SagaError {
  override readonly code = 'DEFINITION_MISMATCH';
  override name = 'DefinitionMismatchError';
  readonly saga: string;
  readonly version: number;
  readonly storedHash: string;
  readonly currentHash: string;

  constructor(saga: string, version: number, storedHash: string, currentHash: string, executionId?: string) {
    super(
      `Saga "${saga}" version ${version} changed shape (stored hash ${storedHash}, registered hash ${currentHash})` +
        `${executionId === undefined ? '' : ` so execution "${executionId}" cannot resume`}: ` +
        'bump the version for a new shape and keep the old version registered',
      executionId === undefined ? {} : { executionId },
    );
    this.saga = saga;
    this.version = version;
    this.storedHash = storedHash;
    this.currentHash = currentHash;
  }
}

/** The store failed to read or write; nothing from the failed write was kept. */
export class StoreError extends SagaError {
  override readonly code = 'STORE';
  override name = 'StoreError';
}

/**
 * Another engine holds the execution now (this engine's lease ran out, or it
 * stalled and another took over): this engine wrote nothing more of it and
 * starts no effect for it; the new holder goes on from the last durable state.
 */
export class LeaseLostError extends SagaError {
  override readonly code = 'LEASE_LOST';
  override name = 'LeaseLostError';
}

/**
 * Thrown by a step to say that retrying cannot help: its remaining retries are skipped.
 *
 * @example
 * step('chargePayment', { run: () => { throw new PermanentError('card declined'); }, compensate: 'none' })
 */
export class PermanentError extends SagaError {
  override readonly code = 'PERMANENT';
  override name = 'PermanentError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** A step or compensation attempt ran longer than its `timeoutMs`. */
export class StepTimeoutError extends SagaError {
  override readonly code = 'STEP_TIMEOUT';
  override name = 'StepTimeoutError';
}
