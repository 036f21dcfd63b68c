import type { JetStreamManager } from '@nats-io/jetstream';
import { ensureStream } from '../nats/natsStreams.js';

/**
 * The stream a choreography's subject lives in: the one named, else the one
 * that already captures the subject, else `CHOREOGRAPHY_<NAME>` — created (or
 * given the subject) when needed, so services, monitors and demos start in any order.
 *
 * @internal
 */
export async function choreographyStream(
  jsm: JetStreamManager,
  choreography: string,
  subject: string,
  given: string | undefined,
): Promise<string> {
  const found = given ?? (await jsm.streams.find(subject).catch(() => undefined));
  const stream = found ?? `CHOREOGRAPHY_${choreography.toUpperCase().replaceAll('-', '_')}`;
  await ensureStream(jsm, stream, [subject]);
  return stream;
}
