// The `sagachart/sqlite` entry: the embedded SQLite store. Kept apart from the
// core entry so that importing `sagachart` never loads a native module.
export { sqliteStore } from './store/sqliteStore.js';
export type { SqliteSagaStore, SqliteStoreOptions } from './store/sqliteStore.js';
