// sagachart/nats: remote steps over NATS JetStream (the relay). The core never loads NATS.
export { natsRelay, REPLY_TO_HEADER } from './nats/natsRelay.js';
export { NATS_DEFAULTS } from './nats/natsStreams.js';
export { followChoreography } from './choreography/followChoreography.js';
export type { ChoreographyMonitor, FollowChoreographyOptions } from './choreography/followChoreography.js';
export type { NatsRelay, NatsRelayOptions } from './nats/natsRelay.js';
