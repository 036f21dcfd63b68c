import { assign, createMachine, type AnyStateMachine } from 'xstate';
import type { ChoreographyDefinition } from './defineChoreography.js';

/** Why an instance needs a look. */
export interface ChoreographyFlag {
  readonly kind: 'stuck' | 'out-of-order' | 'incomplete-compensation';
  readonly at: number;
  readonly message: string;
}

/** What a tracker knows of one instance. */
export interface ChoreographyContext {
  readonly completed: readonly string[];
  /** Compensating events still expected, once a stage failed. */
  readonly awaitingCompensation: readonly string[];
  readonly flags: readonly ChoreographyFlag[];
  readonly lastEvent: string | null;
}

/** The event that tells a tracker its instance went quiet for longer than the timeout. */
export const CHOREOGRAPHY_TIMEOUT = 'choreography.timeout';

interface TrackedEvent {
  readonly type: string;
  readonly at?: number;
}

/**
 * A choreography as a statechart: one state per stage waiting for its event,
 * `Compensating` while the compensating events of the completed stages are
 * expected, and the final `Completed` and `Compensated`. Events the current
 * state does not expect are flagged out of order; a timeout flags the
 * instance stuck (or, while compensating, compensated incompletely).
 *
 * A flag is cleared once the progress it was raised for comes: `stuck` when
 * the stage's event (or its failure) arrives, `incomplete-compensation` when a
 * compensating event it waited for arrives (quiet again, it is flagged again
 * with what is still missing), and every flag, `out-of-order` included, when
 * the instance ends (`Completed` or `Compensated`: the events it missed or got
 * early did not keep it from a consistent end). An `out-of-order` flag stays
 * while the instance runs: the event it got early may be one it still lacks.
 *
 * @example
 * const machine = compileChoreography(orders); // draw it, or paste its JSON into Stately Studio
 */
export function compileChoreography(definition: ChoreographyDefinition): AnyStateMachine {
  const { flow } = definition;
  const stateOf = (i: number) => `awaiting ${flow[i]?.event ?? ''}`;
  const flag = (kind: ChoreographyFlag['kind'], message: (c: ChoreographyContext, e: TrackedEvent) => string) =>
    assign(({ context, event }: { context: ChoreographyContext; event: TrackedEvent }) => ({
      flags: [...context.flags, { kind, at: event.at ?? Date.now(), message: message(context, event) }],
    }));
  const seen = assign(({ event }: { event: TrackedEvent }) => ({ lastEvent: event.type }));
  const clear = (...kinds: ChoreographyFlag['kind'][]) =>
    assign(({ context }: { context: ChoreographyContext }) => ({
      flags: context.flags.filter((f) => !kinds.includes(f.kind)),
    }));
  const clearAll = clear('stuck', 'out-of-order', 'incomplete-compensation');
  const states: Record<string, object> = {};
  flow.forEach((stage, i) => {
    const next = i + 1 < flow.length ? stateOf(i + 1) : 'Completed';
    const completedBefore = flow.slice(0, i).flatMap((s) => (s.compensatedBy === undefined ? [] : [s.compensatedBy]));
    states[stateOf(i)] = {
      on: {
        [stage.event]: {
          target: next,
          actions: [
            seen,
            clear('stuck'),
            assign(({ context }) => ({ completed: [...context.completed, stage.event] })),
          ],
        },
        ...(stage.failure === undefined
          ? {}
          : {
              [stage.failure]: {
                target: 'Compensating',
                actions: [seen, clear('stuck'), assign({ awaitingCompensation: completedBefore.reverse() })],
              },
            }),
        [CHOREOGRAPHY_TIMEOUT]: {
          actions: flag(
            'stuck',
            () => `no ${stage.event}${stage.failure === undefined ? '' : ` or ${stage.failure}`} in time`,
          ),
        },
      },
      meta: { kind: 'stage', event: stage.event },
    };
  });
  const compensating = Object.fromEntries(
    flow.flatMap((s) =>
      s.compensatedBy === undefined
        ? []
        : [
            [
              s.compensatedBy,
              {
                guard: ({ context }: { context: ChoreographyContext }) =>
                  context.awaitingCompensation.includes(s.compensatedBy as string),
                actions: [
                  seen,
                  clear('incomplete-compensation'),
                  assign(({ context }: { context: ChoreographyContext }) => ({
                    awaitingCompensation: context.awaitingCompensation.filter((e) => e !== s.compensatedBy),
                  })),
                ],
              },
            ],
          ],
    ),
  );
  // Built as plain config: the actions are inline (trackers persist `{ value, context }`, not actor snapshots).
  const config = {
    id: definition.name,
    initial: stateOf(0),
    context: { completed: [], awaitingCompensation: [], flags: [], lastEvent: null },
    // Anything a state does not take: a known event at the wrong time.
    on: Object.fromEntries(
      [...definition.events].map((type) => [
        type,
        { actions: [seen, flag('out-of-order', (_, e) => `${e.type} arrived out of order`)] },
      ]),
    ),
    states: {
      ...states,
      Compensating: {
        always: {
          guard: ({ context }: { context: ChoreographyContext }) => context.awaitingCompensation.length === 0,
          target: 'Compensated',
        },
        on: {
          ...compensating,
          [CHOREOGRAPHY_TIMEOUT]: {
            actions: flag('incomplete-compensation', (c) => `still waiting for ${c.awaitingCompensation.join(', ')}`),
          },
        },
      },
      Completed: { type: 'final', entry: clearAll },
      Compensated: { type: 'final', entry: clearAll },
    },
  };
  return createMachine(config as never);
}
