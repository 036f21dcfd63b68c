import type { Request, Response } from 'express';
import { followJournal, type FollowedJournalEntry } from '../runtime/followJournal.js';
import type { SagaEngine } from '../runtime/SagaEngine.js';
import { FeedFanout } from './FeedFanout.js';
import { SseClient } from './SseClient.js';
import { SseFrames } from './SseFrames.js';

const HEARTBEAT_MS = 15_000;
/** 1 MiB: a few thousand journal entries, far more than a reading client ever lags by. */
export const DEFAULT_SSE_BUFFER_BYTES = 1024 * 1024;

export interface SseStreamsOptions {
  /** Bytes that may wait for one slow client before it is dropped (it resumes with Last-Event-ID). */
  readonly bufferBytes?: number | undefined;
  readonly heartbeatMs?: number | undefined;
}

/** What the streams hold right now; `/metrics` and tests read it. */
export interface SseStats {
  /** Open stream connections. */
  readonly clients: number;
  /** Connections dropped because they fell more than the buffer behind. */
  readonly dropped: number;
  /** Bytes waiting for each open client (socket buffer and queue). */
  readonly bufferedBytes: readonly number[];
  /** The most bytes any client ever had waiting. */
  readonly peakBufferedBytes: number;
}

/** The seq or feed position after which a reconnecting client wants events: Last-Event-ID, or ?lastEventId=. */
function lastEventId(req: Request): number | undefined {
  const raw =
    req.get('last-event-id') ?? (typeof req.query['lastEventId'] === 'string' ? req.query['lastEventId'] : undefined);
  if (raw === undefined) return undefined;
  const seq = Number(raw);
  return Number.isInteger(seq) && seq >= 0 ? seq : undefined;
}

const journalFrame = (followed: FollowedJournalEntry): SseFrames =>
  new SseFrames(Buffer.from(`id: ${followed.entry.seq}\nevent: journal\ndata: ${JSON.stringify(followed)}\n\n`));

/**
 * The server's Server-Sent Events: one execution's journal, and every
 * execution's journal through one shared feed reader. Every connection
 * honours backpressure and is dropped when it falls too far behind.
 *
 * @internal
 */
export class SseStreams {
  private readonly clients = new Set<SseClient>();
  private readonly fanout: FeedFanout;
  private dropped = 0;
  private peak = 0;
  private readonly bufferBytes: number;
  private readonly heartbeatMs: number;

  constructor(
    private readonly engine: SagaEngine,
    options: SseStreamsOptions = {},
  ) {
    this.fanout = new FeedFanout(engine);
    this.bufferBytes = options.bufferBytes ?? DEFAULT_SSE_BUFFER_BYTES;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  }

  /**
   * One execution's journal, `id` = journal seq. A client that reconnects with
   * Last-Event-ID gets every entry after it exactly once, in order.
   */
  async streamExecution(id: string, req: Request, res: Response): Promise<void> {
    await this.engine.get(id); // 404 before the stream opens
    const client = this.open(res);
    // Stored entries go out as fast as the client takes them; live ones are queued, within the bound.
    const off = await followJournal(this.engine, id, lastEventId(req) ?? 0, (followed) => {
      client.send(journalFrame(followed));
      return client.room();
    });
    // Also at once when the client is already gone (dropped while the stored entries were sent).
    client.onClose(off);
  }

  /**
   * Every journal entry of every execution, live, `id` = the store's feed
   * position. With Last-Event-ID the client gets exactly what it missed, in
   * commit order; without one it starts now.
   */
  async streamAll(req: Request, res: Response): Promise<void> {
    const after = lastEventId(req);
    // The busy stream: compressed for clients that accept it (browsers do), ~10× fewer bytes to send each.
    res.vary('Accept-Encoding');
    const gzip = req.acceptsEncodings('gzip') === 'gzip';
    await this.fanout.follow(this.open(res, gzip), after);
  }

  stats(): SseStats {
    const clients = [...this.clients];
    return {
      clients: clients.length,
      dropped: this.dropped,
      bufferedBytes: clients.map((client) => client.bufferedBytes),
      peakBufferedBytes: Math.max(this.peak, ...clients.map((client) => client.peakBufferedBytes)),
    };
  }

  close(): void {
    this.fanout.close();
  }

  private open(res: Response, gzip = false): SseClient {
    const options = { bufferBytes: this.bufferBytes, heartbeatMs: this.heartbeatMs, gzip };
    const client = new SseClient(res, options, () => {
      this.dropped += 1;
    });
    this.clients.add(client);
    client.onClose(() => {
      this.peak = Math.max(this.peak, client.peakBufferedBytes);
      this.clients.delete(client);
    });
    return client;
  }
}
