// The choreography pictures of `npm run screenshots`: the example order choreography, followed on a
// stream of its own (deleted before and after), its demo orders published, the stuck ones flagged.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { defineChoreography } from '../src/index.js';
import { connectNats } from '../src/cli/connectNats.js';
import { publishStories } from '../src/cli/demoChoreography.js';
import { followChoreographies, type FollowedChoreographies } from '../src/cli/followChoreographies.js';
import { orderChoreography } from '../machines/order-choreography.js';

const STREAM = 'SAGACHART_DOCS_ORDERS';

/** Follows the example choreography and publishes its demo orders; undefined (with a line saying why) without NATS. */
export async function screenshotChoreography(): Promise<
  (FollowedChoreographies & { stopNats(): Promise<void> }) | undefined
> {
  const url = process.env['SAGACHART_NATS_URL'] ?? 'nats://127.0.0.1:4222';
  const nats = await connectNats(url);
  if (nats.connection === undefined) {
    console.warn(`no choreography screenshots: ${nats.why}`);
    return undefined;
  }
  const nc = nats.connection;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(STREAM).catch(() => false);
  // The example as it is, but on its own subject, and quick to flag (the example waits 15 s).
  const { kind: _kind, events: _events, ...example } = orderChoreography;
  const definition = defineChoreography({
    ...example,
    subject: 'docs.orders.events',
    stream: STREAM,
    timeoutMs: 3_000,
  });
  const file = join(mkdtempSync(join(tmpdir(), 'sagachart-screenshots-')), 'choreographies.db');
  const followed = await followChoreographies([definition], { file, connection: nc, why: '' });
  await publishStories(jetstream(nc), 'docs.orders.events', 'order-1041');
  while (followed.board.summary(definition).counts.flagged < 3) await new Promise((r) => setTimeout(r, 100));
  return {
    ...followed,
    async stopNats() {
      await followed.stop();
      await jsm.streams.delete(STREAM).catch(() => false);
      await nc.close();
    },
  };
}
