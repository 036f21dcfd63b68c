import type { NatsConnection } from '@nats-io/transport-node';

/** Why nothing is followed or relayed when no NATS URL was given. */
export const NO_NATS = 'no NATS configured (pass --nats nats://127.0.0.1:4222 or set SAGACHART_NATS_URL)';

/**
 * Connects to NATS (the client loads only now), or says why it could not: the
 * server keeps serving executions without it.
 */
export async function connectNats(url: string): Promise<{ connection?: NatsConnection; why: string }> {
  try {
    const { connect } = await import('@nats-io/transport-node');
    return { connection: await connect({ servers: url }), why: '' };
  } catch (error) {
    // A URL may carry a password (nats://user:pass@host): never print it.
    const shown = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    return { why: `cannot reach NATS at ${shown} (${(error as Error).message})` };
  }
}
