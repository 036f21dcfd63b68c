// The `sagachart/server` entry: the HTTP API, SSE streams and inspector that
// `sagachart serve` runs, started on an engine of your own (your store, your
// sagas, your process). Kept apart from the core entry, which loads no HTTP stack.
export { startServer } from './server/startServer.js';
export type { RunningServer, ServerOptions } from './server/startServer.js';
export type { AppOptions } from './server/createApp.js';
export { inspectorDir } from './server/inspectorDir.js';
