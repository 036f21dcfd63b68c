import type { AnyStateMachine } from 'xstate';
import type {
  ChoreographyCounts,
  ChoreographyInstance,
  ChoreographyInstanceDetail,
  ChoreographyInstancePage,
  ChoreographyInstanceQuery,
} from './ChoreographyInstance.js';
import { CHOREOGRAPHY_STATUSES } from './ChoreographyInstance.js';
import type { ChoreographyTrackers } from './ChoreographyTrackers.js';
import { ChoreographyInstanceNotFoundError, UnknownChoreographyError } from './choreographyErrors.js';
import { compileChoreography } from './compileChoreography.js';
import type { ChoreographyDefinition, ChoreographyStage } from './defineChoreography.js';
import { expectedNext } from './expectedNext.js';

/** Whether a choreography is followed here, and where (or why not), in words for people. */
export interface ChoreographyFollowing {
  readonly following: boolean;
  /** e.g. `on orders.events (stream ORDERS)`, or `not followed: no NATS configured (serve --nats URL)`. */
  readonly note: string;
  readonly stream: string | null;
  readonly subject: string | null;
}

/** A choreography as the API and the CLI list it. */
export interface ChoreographySummary extends ChoreographyFollowing {
  readonly name: string;
  readonly description: string | null;
  readonly timeoutMs: number;
  readonly flow: readonly ChoreographyStage[];
  readonly counts: ChoreographyCounts;
}

/** An instance with the events that would move it on. */
export type ChoreographyInstanceView = ChoreographyInstance & { readonly expects: readonly string[] };
export type ChoreographyInstanceDetailView = ChoreographyInstanceDetail & { readonly expects: readonly string[] };

const NO_COUNTS: ChoreographyCounts = {
  byStatus: Object.fromEntries(CHOREOGRAPHY_STATUSES.map((s) => [s, 0])) as ChoreographyCounts['byStatus'],
  flagged: 0,
  total: 0,
};

/**
 * The choreographies a server (or the CLI) shows beside executions: their
 * definitions, whether they are followed, and their instances read from the
 * trackers file (none while the file does not exist).
 *
 * @example
 * const board = new ChoreographyBoard([orders], new ChoreographyTrackers(db), () => following);
 * board.list('order-choreography', { flagged: true });
 */
export class ChoreographyBoard {
  private readonly machines = new Map<string, AnyStateMachine>();

  constructor(
    private readonly definitions: readonly ChoreographyDefinition[],
    private readonly trackers: ChoreographyTrackers | undefined,
    private readonly followingOf: (definition: ChoreographyDefinition) => ChoreographyFollowing,
  ) {}

  names(): string[] {
    return this.definitions.map((d) => d.name);
  }

  /** The definition named; an `UnknownChoreographyError` naming the known ones if none is. */
  definitionNamed(name: string): ChoreographyDefinition {
    const definition = this.definitions.find((d) => d.name === name);
    if (definition === undefined) throw new UnknownChoreographyError(name, this.names());
    return definition;
  }

  summaries(): ChoreographySummary[] {
    return this.definitions.map((d) => this.summary(d));
  }

  summary(definition: ChoreographyDefinition): ChoreographySummary {
    return {
      name: definition.name,
      description: definition.description ?? null,
      timeoutMs: definition.timeoutMs,
      flow: definition.flow,
      ...this.followingOf(definition),
      counts: this.trackers?.counts(definition.name) ?? NO_COUNTS,
    };
  }

  /** The compiled statechart (compiled once). */
  machine(definition: ChoreographyDefinition): AnyStateMachine {
    let machine = this.machines.get(definition.name);
    if (machine === undefined) {
      machine = compileChoreography(definition);
      this.machines.set(definition.name, machine);
    }
    return machine;
  }

  list(
    definition: ChoreographyDefinition,
    query: ChoreographyInstanceQuery,
  ): ChoreographyInstancePage & { items: ChoreographyInstanceView[] } {
    const page = this.trackers?.list(definition.name, query) ?? { items: [], nextCursor: null };
    return { ...page, items: page.items.map((i) => ({ ...i, expects: expectedNext(definition, i) })) };
  }

  /** One instance with its timeline; a `ChoreographyInstanceNotFoundError` if none was seen. */
  get(definition: ChoreographyDefinition, correlationId: string): ChoreographyInstanceDetailView {
    const instance = this.trackers?.get(definition.name, correlationId);
    if (instance === undefined) throw new ChoreographyInstanceNotFoundError(definition.name, correlationId);
    return { ...instance, expects: expectedNext(definition, instance) };
  }
}
