import type { EffectCall } from './instrumentSaga.js';
import type { SagaPath } from './SagaPath.js';

/** An error the saga's own code threw on a path. */
export interface UserError {
  readonly step: string;
  readonly phase: 'run' | 'compensate';
  readonly attempt: number;
  readonly error: unknown;
}

/**
 * What the path runner and the instrumented steps share while one path runs.
 *
 * @internal
 */
export interface PathRun {
  readonly path: SagaPath;
  readonly calls: EffectCall[];
  readonly userErrors: UserError[];
  /** Operator retries of the Failed execution done so far. */
  retries: number;
  /** 0, then one more after every restore. */
  generation: number;
  /** When the execution's deadline passes, on a deadline path. */
  deadlineAt: number | null;
  /** Kill the engine once in flight in each step and compensation (crashAndRestore). */
  readonly crashInFlight: boolean;
  readonly crashed: Set<string>;
  requestCrash(): void;
  /** A step the path cancels in flight has applied its effect and waits: cancel now. */
  cancelInFlight(step: string): void;
  /** The saga's own code has a bug retries cannot fix: stop the path now. */
  bug(error: UserError): void;
}
