// The inspector talks to the server over HTTP and SSE only.
import type { Waiting } from '../../src/runtime/waitingFor.js';

export type { Waiting };

export interface StepSummary {
  name: string;
  kind: 'step' | 'awaitEvent' | 'parallel';
  pivot?: boolean;
  compensable?: boolean;
  event?: string;
  /** The awaited event's data as JSON Schema. */
  schema?: Record<string, unknown> | null;
  timeoutMs?: number;
  maxAttempts?: number;
  branches?: StepSummary[];
  /** For a step made with `remote()`: the subjects its command and its compensation's go on. */
  remote?: { run?: string; compensate?: string };
}

export interface SagaSummary {
  name: string;
  version: number;
  description: string | null;
  pivot: string | null;
  deadlineMs: number | null;
  inputSchema: Record<string, unknown> | null;
  steps: StepSummary[];
}

export interface JournalEntry {
  seq: number;
  at: number;
  type: string;
  step?: string;
  attempt?: number;
  data?: unknown;
}

export interface Execution {
  id: string;
  saga: string;
  version: number;
  status: 'Running' | 'Compensating' | 'Completed' | 'Compensated' | 'Failed';
  state: unknown;
  input: unknown;
  results: Record<string, unknown>;
  completed: string[];
  unknown: string[];
  compensated: string[];
  attempts: Record<string, number>;
  compensationAttempts: Record<string, number>;
  timers: Record<string, number>;
  deadlineAt: number | null;
  idempotencyKey: string | null;
  /** What it waits for right now (the server reads it from the state and the saga). */
  waiting: Waiting[];
  errors: { step: string; phase: string; attempt: number; name: string; message: string; at: number }[];
  reason: { kind: string; message: string; step?: string } | null;
  failure: { phase: string; state: string; step: string; message: string; errorName: string; attempts: number } | null;
  revision: number;
  createdAt: number;
  updatedAt: number;
}

const TOKEN_KEY = 'sagachart.token';

export const token = {
  get: (): string => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (value: string): void => localStorage.setItem(TOKEN_KEY, value),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token.get() !== '') headers['authorization'] = `Bearer ${token.get()}`;
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok)
    throw new ApiError(
      response.status,
      data.error?.code ?? String(response.status),
      data.error?.message ?? response.statusText,
    );
  return data as T;
}

/** Subscribes to an SSE stream; EventSource reconnects by itself with Last-Event-ID. */
export function stream(path: string, event: string, onData: (data: unknown) => void): () => void {
  const source = new EventSource(path);
  source.addEventListener(event, (message) => onData(JSON.parse((message as MessageEvent<string>).data)));
  return () => source.close();
}

export type {
  ChoreographyInstanceDetailView as ChoreographyInstanceDetail,
  ChoreographyInstanceView as ChoreographyInstance,
  ChoreographySummary,
} from '../../src/choreography/ChoreographyBoard.js';
