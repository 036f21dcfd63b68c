// What bench/postgres/run.ts and its worker processes say to each other over IPC.
import type { Window } from './closedLoop.js';

export const POSTGRES_URL = process.env['SAGACHART_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export type WorkerKind = 'postgres' | 'sqlite' | 'dbos' | 'victim' | 'rescuer';
export type ToWorker = { type: 'run'; ms: number; lanes: number } | { type: 'execute' } | { type: 'stop' };
export type FromWorker = { type: 'ready' } | ({ type: 'done' } & Window) | { type: 'step'; fence: number; at: number };
