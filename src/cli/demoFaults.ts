import { dirname, join, resolve } from 'node:path';
import { DEMO_FAULTS_ENV } from '../../machines/participants/faults.js';
import { isPostgresUrl } from './storeFor.js';

/**
 * Where the example participants keep their healed fault switches for the
 * database `db`: `demo-faults.json` beside the SQLite file (in `data/` under the
 * current directory for PostgreSQL), unless SAGACHART_DEMO_FAULTS names a file.
 */
export function demoFaultsFile(db: string): string {
  const given = process.env[DEMO_FAULTS_ENV];
  if (given !== undefined && given !== '') return resolve(given);
  return resolve(isPostgresUrl(db) ? join('data', 'demo-faults.json') : join(dirname(db), 'demo-faults.json'));
}

/** Points the example participants of this process at the switches of `db` (serve and local commands). */
export function useDemoFaults(db: string): void {
  process.env[DEMO_FAULTS_ENV] = demoFaultsFile(db);
}
