import type { SagaContext } from './sagaContext.js';

/**
 * The subset of XState's state node config the compiler writes. Kept loose on
 * purpose: the chart is generated, and setup() checks the named references.
 */
export interface StateConfig {
  type?: 'parallel' | 'final';
  initial?: string;
  entry?: readonly ActionRef[];
  invoke?: readonly InvokeConfig[];
  on?: Record<string, TransitionConfig | readonly TransitionConfig[]>;
  always?: readonly TransitionConfig[];
  onDone?: readonly TransitionConfig[];
  states?: Record<string, StateConfig>;
  description?: string;
  meta?: Record<string, unknown>;
  tags?: readonly string[];
}

export interface ActionRef {
  readonly type: string;
  readonly params?: Record<string, unknown>;
}

export interface TransitionConfig {
  readonly target?: string;
  /** A named guard, or XState's `and`/`or`/`stateIn` over named guards. */
  readonly guard?: ActionRef | object;
  readonly actions?: readonly ActionRef[];
  readonly description?: string;
}

export interface InvokeConfig {
  readonly id: string;
  readonly src: string;
  readonly input: (args: { context: SagaContext }) => unknown;
  readonly onDone?: TransitionConfig | readonly TransitionConfig[];
  readonly onError?: readonly TransitionConfig[];
}

export const named = (type: string, params?: Record<string, unknown>): ActionRef =>
  params === undefined ? { type } : { type, params };
