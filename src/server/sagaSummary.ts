import type { AnySagaDefinition, SagaStep } from '../definition/types.js';
import { remoteSubjects, type RemoteSubjects } from '../remote/remoteSubjects.js';
import { jsonSchemaOf, type JsonSchema } from './jsonSchemaOf.js';

export interface StepSummary {
  readonly name: string;
  readonly kind: SagaStep['kind'];
  readonly pivot?: boolean;
  readonly compensable?: boolean;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
  readonly event?: string;
  /** The awaited event's data as JSON Schema (null: any JSON value). */
  readonly schema?: JsonSchema | null;
  readonly branches?: readonly StepSummary[];
  /** For a step made with `remote()`: the subjects its command and its compensation's are sent on. */
  readonly remote?: RemoteSubjects;
}

function summarizeStep(entry: SagaStep): StepSummary {
  switch (entry.kind) {
    case 'step': {
      const { options } = entry;
      const remote = remoteSubjects(entry);
      return {
        name: entry.name,
        kind: 'step',
        pivot: options.pivot === true,
        compensable: typeof options.compensate === 'function',
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.retry === undefined ? {} : { maxAttempts: options.retry.maxAttempts }),
        ...(remote === undefined ? {} : { remote }),
      };
    }
    case 'awaitEvent':
      return {
        name: entry.name,
        kind: 'awaitEvent',
        event: entry.options.event,
        schema: jsonSchemaOf(entry.options.schema),
        ...(entry.options.timeoutMs === undefined ? {} : { timeoutMs: entry.options.timeoutMs }),
      };
    case 'parallel':
      return { name: entry.name, kind: 'parallel', branches: entry.branches.map(summarizeStep) };
  }
}

/** A saga as the API and the CLI describe it: its steps, its pivot, its shape hash. */
export function sagaSummary(definition: AnySagaDefinition) {
  const pivot = definition.steps.find((s) => s.kind === 'step' && s.options.pivot === true)?.name ?? null;
  return {
    name: definition.name,
    version: definition.version,
    description: definition.description ?? null,
    hash: definition.hash,
    pivot,
    deadlineMs: definition.deadlineMs ?? null,
    /** What `start` takes, as JSON Schema. */
    inputSchema: jsonSchemaOf(definition.input),
    steps: definition.steps.map(summarizeStep),
  };
}
