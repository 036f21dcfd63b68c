// The `sagachart/postgres` entry: the PostgreSQL store. Kept apart from the core
// entry so that importing `sagachart` never loads a database driver.
export { postgresStore } from './store/postgresStore.js';
export type { PostgresStoreOptions } from './store/postgresStore.js';
