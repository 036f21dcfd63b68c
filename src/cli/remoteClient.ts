import type { JournalEntry } from '../events/JournalEntry.js';
import type { ExecutionView } from '../runtime/ExecutionView.js';
import type { SagaClient, SagaSummary } from './SagaClient.js';
import { SETTLED_STATUSES, type EngineInfo } from '../store/SagaStore.js';
import { CliError } from './CliError.js';
import { apiCall } from './apiCall.js';

// Below the server's default maximum wait (30 s).
const LONG_POLL_MS = 25_000;

const FOLLOW_IDLE_MS = 5_000;

/** The journal entry that puts an execution in each settled status. */
const SETTLING_ENTRY: Partial<Record<ExecutionView['status'], JournalEntry['type']>> = {
  Completed: 'SagaCompleted',
  Compensated: 'SagaCompensated',
  Failed: 'SagaFailed',
};

/** Resolves with `read` or with 'idle' after `ms`, whichever comes first (`read` stays pending). */
async function orIdle<T>(read: Promise<T>, ms: number): Promise<T | 'idle'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<'idle'>((resolve) => {
    timer = setTimeout(() => resolve('idle'), ms);
  });
  try {
    return await Promise.race([read, idle]);
  } finally {
    clearTimeout(timer);
  }
}

/** A client over a running `sagachart serve`, by its REST API and SSE stream. */
export function remoteClient(baseUrl: string, token: string | undefined): SagaClient {
  const base = baseUrl.replace(/\/$/, '');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
  const call = apiCall(base, token);
  const enc = encodeURIComponent;
  return {
    sagas: async () => (await call<{ items: SagaSummary[] }>('GET', '/api/sagas')).items,
    engines: async () => (await call<{ items: EngineInfo[] }>('GET', '/api/engines')).items,
    chart: (saga) => call('GET', `/api/sagas/${enc(saga)}/chart`),
    start: (saga, input, options) => call('POST', '/api/executions', { saga, input, ...options }),
    startAndWait: async (saga, input, options) => {
      // The server answers when the execution settles (200) or its wait runs out (202): then poll on.
      let view = await call<ExecutionView & { existing: boolean }>('POST', `/api/executions?wait=${LONG_POLL_MS}`, {
        saga,
        input,
        ...options,
      });
      const existing = view.existing;
      while (!SETTLED_STATUSES.includes(view.status)) {
        view = await call<ExecutionView & { existing: boolean }>(
          'GET',
          `/api/executions/${enc(view.id)}?wait=${LONG_POLL_MS}`,
        );
      }
      return { ...view, existing };
    },
    get: (id) => call('GET', `/api/executions/${enc(id)}`),
    // The server keeps running the execution; nothing to wait for.
    park: () => Promise.resolve(),
    list: (query) => {
      const params = new URLSearchParams();
      const { inputField, ...plain } = query;
      for (const [key, value] of Object.entries(plain)) {
        if (value !== undefined) params.set(key, String(value));
      }
      if (inputField !== undefined) {
        params.set('inputField', inputField.path);
        params.set('inputValue', inputField.value);
      }
      return call('GET', `/api/executions?${params.toString()}`);
    },
    journal: async (id) => (await call<{ items: JournalEntry[] }>('GET', `/api/executions/${enc(id)}/journal`)).items,
    send: async (id, event) => {
      await call('POST', `/api/executions/${enc(id)}/events`, event);
    },
    cancel: async (id, reason) => {
      await call('POST', `/api/executions/${enc(id)}/cancel`, reason === undefined ? {} : { reason });
    },
    retry: async (id) => {
      await call('POST', `/api/executions/${enc(id)}/retry`, {});
    },
    follow: async (id, onEntry) => {
      const response = await fetch(`${base}/api/executions/${enc(id)}/stream`, { headers });
      if (!response.ok || response.body === null) throw new CliError(`Cannot follow ${id}: HTTP ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        let reading = reader.read();
        for (;;) {
          const next = await orIdle(reading, FOLLOW_IDLE_MS);
          if (next === 'idle') {
            // A stream that went quiet: ask for the outcome instead of trusting it never to miss an entry.
            const view = await call<ExecutionView>('GET', `/api/executions/${enc(id)}`);
            if (SETTLED_STATUSES.includes(view.status)) return view;
            continue;
          }
          reading = reader.read();
          const { value, done } = next;
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const data = buffer
              .slice(0, end)
              .split('\n')
              .find((line) => line.startsWith('data: '));
            buffer = buffer.slice(end + 2);
            if (data === undefined) continue;
            const item = JSON.parse(data.slice('data: '.length)) as {
              status: ExecutionView['status'];
              entry: JournalEntry;
            };
            if ((await onEntry(item)) === true) return await call<ExecutionView>('GET', `/api/executions/${enc(id)}`);
            // The entry that settled the execution in the status it has (an older SagaFailed, before a
            // retry, comes with the newer status): the stream has nothing more to say.
            if (SETTLING_ENTRY[item.status] === item.entry.type) {
              return await call<ExecutionView>('GET', `/api/executions/${enc(id)}`);
            }
          }
        }
      } finally {
        await reader.cancel().catch(() => undefined);
      }
      return call<ExecutionView>('GET', `/api/executions/${enc(id)}`);
    },
    close: () => Promise.resolve(),
  };
}
