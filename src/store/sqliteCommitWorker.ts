// The SQLite store's commit thread (see SqliteCommitThread.ts): opens a file as the writer
// of the engine that holds it, runs the commits it is sent in order, and closes it when
// told; then waits for the next store to open.
import { parentPort } from 'node:worker_threads';
import { SagaError } from '../definition/errors.js';
import { safeMessage } from '../definition/plainJson.js';
import type { SagaStore } from './SagaStore.js';
import type { CommitThreadReply, CommitThreadRequest } from './SqliteCommitThread.js';
import { sqliteCommitStore } from './sqliteStore.js';

const port = parentPort;
if (port === null) throw new Error('sqliteCommitWorker runs as a worker thread');
const post = (reply: CommitThreadReply): void => port.postMessage(reply);
let store: SagaStore | undefined;

port.on('message', (request: CommitThreadRequest) => {
  switch (request.kind) {
    case 'open': {
      const opened = sqliteCommitStore(request.data);
      store = opened;
      opened.init().then(
        () => post({ kind: 'ready' }),
        (error: unknown) => {
          store = undefined;
          post({ kind: 'open-failed', message: safeMessage(error) });
        },
      );
      return;
    }
    case 'close': {
      const closing = store;
      store = undefined;
      void (closing?.close() ?? Promise.resolve()).catch(() => undefined).finally(() => post({ kind: 'closed' }));
      return;
    }
    case 'commit': {
      const { id } = request;
      if (store === undefined) {
        post({ kind: 'failed', id, message: 'The commit thread has no store open' });
        return;
      }
      store.commit(request.writes).then(
        (result: unknown) => post({ kind: 'done', id, result }),
        (error: unknown) =>
          post({
            kind: 'failed',
            id,
            message: safeMessage(error),
            ...(error instanceof SagaError && error.executionId !== undefined
              ? { executionId: error.executionId }
              : {}),
          }),
      );
      return;
    }
  }
});
