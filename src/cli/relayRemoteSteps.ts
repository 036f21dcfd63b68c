import type { NatsConnection } from '@nats-io/transport-node';
import type { SagaEngine } from '../runtime/SagaEngine.js';

/** What `serve` says and stops about the relay of remote steps. */
export interface ServedRelay {
  readonly lines: readonly string[];
  stop(): Promise<void>;
}

/**
 * Runs the relay of the served sagas' remote steps when they have any: their
 * commands go from the outbox to JetStream and the participants' replies come
 * back. The streams and reply subject are the relay's defaults unless
 * SAGACHART_NATS_COMMAND_STREAM, SAGACHART_NATS_REPLY_STREAM and
 * SAGACHART_NATS_REPLY_SUBJECT name others (engines sharing a database share them).
 * Without NATS, says which subjects will wait in the outbox.
 */
export async function relayRemoteSteps(
  engine: SagaEngine,
  connection: NatsConnection | undefined,
  why: string,
  onError: (error: unknown) => void,
): Promise<ServedRelay> {
  const subjects = engine.remote.subjects();
  const none = { lines: [] as string[], stop: () => Promise.resolve() };
  if (subjects.length === 0) return none;
  if (connection === undefined) {
    return {
      ...none,
      lines: [`remote steps not relayed (${subjects.join(', ')}): ${why}; their commands wait in the outbox`],
    };
  }
  const named = (name: string) =>
    process.env[name] === undefined || process.env[name] === '' ? undefined : process.env[name];
  const streams = {
    commandStream: named('SAGACHART_NATS_COMMAND_STREAM'),
    replyStream: named('SAGACHART_NATS_REPLY_STREAM'),
    replySubject: named('SAGACHART_NATS_REPLY_SUBJECT'),
  };
  try {
    const { natsRelay } = await import('../nats/natsRelay.js');
    const relay = await natsRelay(engine, {
      connection,
      onError,
      ...Object.fromEntries(Object.entries(streams).filter(([, value]) => value !== undefined)),
    });
    return { lines: [`relaying remote steps over NATS: ${subjects.join(', ')}`], stop: () => relay.stop() };
  } catch (error) {
    // The server still serves; the commands wait in the outbox for a relay that runs.
    return { ...none, lines: [`remote steps not relayed: ${(error as Error).message}`] };
  }
}
