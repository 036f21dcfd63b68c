import { SagaDefinitionError } from '../definition/errors.js';

/** An event of a choreographed saga as the monitor reads it off the wire. */
export interface ChoreographyEvent {
  readonly type: string;
  readonly data?: unknown;
}

/** One stage of a choreography: the event that says it happened, how it fails, how it is undone. */
export interface ChoreographyStage {
  /** The event that completes this stage, e.g. `PaymentProcessed`. */
  readonly event: string;
  /** The event that says this stage failed (the services then compensate), e.g. `PaymentFailed`. */
  readonly failure?: string;
  /** The event that undoes this stage once a later one failed, e.g. `PaymentRefunded`. */
  readonly compensatedBy?: string;
}

export interface ChoreographyOptions {
  /** Lower-case words joined by dashes. */
  readonly name: string;
  /** The correlation id of an event (e.g. the order id): one tracker per id. */
  readonly correlate: (event: ChoreographyEvent) => string | undefined;
  /** The stages in the order the services are expected to report them. */
  readonly flow: readonly ChoreographyStage[];
  /** An instance with no next event for this long is flagged stuck (or compensated incompletely). */
  readonly timeoutMs: number;
  /**
   * The subject the services publish the events on (wildcards allowed), e.g. `orders.events`:
   * where `sagachart serve --nats` follows the choreography. Without it, serve lists it, unfollowed.
   */
  readonly subject?: string;
  /**
   * The JetStream stream that stores the subject. Default: the stream that already captures
   * it, else `CHOREOGRAPHY_<NAME>`, created for it.
   */
  readonly stream?: string;
  /** One line for people: what the choreography is. */
  readonly description?: string;
}

/** A validated choreography, made by `defineChoreography`. */
export interface ChoreographyDefinition extends ChoreographyOptions {
  readonly kind: 'choreography';
  /** Every event type the flow names. */
  readonly events: ReadonlySet<string>;
}

/**
 * Describes a saga that no orchestrator runs: the events its services publish
 * to each other, in order, with their failure and compensating events. It
 * compiles to a statechart (`compileChoreography`); `followChoreography`
 * (`sagachart/nats`) tracks each instance and flags the stuck, out-of-order and
 * incompletely compensated ones.
 *
 * @example
 * const orders = defineChoreography({
 *   name: 'order-choreography',
 *   subject: 'orders.events', // where the services publish them
 *   correlate: (event) => (event.data as { orderId?: string }).orderId,
 *   timeoutMs: 30_000,
 *   flow: [
 *     { event: 'OrderCreated', compensatedBy: 'OrderCancelled' },
 *     { event: 'PaymentProcessed', failure: 'PaymentFailed', compensatedBy: 'PaymentRefunded' },
 *     { event: 'OrderShipped', failure: 'ShippingFailed' },
 *   ],
 * });
 */
export function defineChoreography(options: ChoreographyOptions): ChoreographyDefinition {
  if (!/^[a-z][a-z0-9-]*$/.test(options.name)) {
    throw new SagaDefinitionError(`Choreography name "${options.name}" must match /^[a-z][a-z0-9-]*$/`, 'name');
  }
  if (options.flow.length === 0) {
    throw new SagaDefinitionError(`Choreography "${options.name}" needs at least one stage`, 'non-empty-flow');
  }
  if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new SagaDefinitionError(`Choreography "${options.name}" needs a positive timeoutMs`, 'timeout');
  }
  if (options.subject !== undefined && !/^[^\s.]+(\.[^\s.]+)*$/.test(options.subject)) {
    throw new SagaDefinitionError(
      `Choreography "${options.name}": subject "${options.subject}" is not a NATS subject (dot-separated tokens, no spaces)`,
      'subject',
    );
  }
  if (options.stream !== undefined && !/^[^\s.*>/\\]+$/.test(options.stream)) {
    throw new SagaDefinitionError(
      `Choreography "${options.name}": stream "${options.stream}" is not a JetStream stream name (no spaces, '.', '*', '>', '/' or '\\')`,
      'stream',
    );
  }
  const events = new Set<string>();
  for (const stage of options.flow) {
    for (const type of [stage.event, stage.failure, stage.compensatedBy]) {
      if (type === undefined) continue;
      if (events.has(type)) {
        throw new SagaDefinitionError(
          `Choreography "${options.name}" names event "${type}" twice: each event must mean one thing`,
          'unique-events',
        );
      }
      events.add(type);
    }
  }
  if (options.flow[0]?.failure !== undefined) {
    throw new SagaDefinitionError(
      `Choreography "${options.name}": the first stage starts an instance, it cannot have a failure event`,
      'first-stage',
    );
  }
  return { ...options, kind: 'choreography', events };
}
