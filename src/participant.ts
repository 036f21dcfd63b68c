// sagachart/participant: a Node participant of remote steps over NATS JetStream.
export { participant } from './participant/participant.js';
export { participantSqlite } from './participant/participantSqlite.js';
export { participantPostgres } from './participant/participantPostgres.js';
export type { ParticipantPostgresOptions } from './participant/participantPostgres.js';
export { applyOnce, COMPENSATED_ALREADY } from './participant/ParticipantStore.js';
export type {
  Participant,
  ParticipantContext,
  ParticipantHandler,
  ParticipantOptions,
} from './participant/participant.js';
export type { Ledger, LedgerEntry, ParticipantOutcome, ParticipantStore } from './participant/ParticipantStore.js';
