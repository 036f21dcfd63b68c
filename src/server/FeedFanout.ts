import type { SagaEngine } from '../runtime/SagaEngine.js';
import type { FeedEntry } from '../store/SagaStore.js';
import type { SseClient } from './SseClient.js';
import { SseFrames } from './SseFrames.js';

const PAGE = 500;
/** Frames are joined into chunks about this big, so a client gets one write per chunk, not one per entry. */
const CHUNK_BYTES = 64 * 1024;
/**
 * Writes are what clients cost (a syscall and a wake-up each), so the reader
 * reads again no sooner than this many ms per client after its last read,
 * gathering the commits in between into one write per client: about 10,000
 * writes a second however many clients there are, up to `MAX_GATHER_MS`.
 */
const GATHER_MS_PER_CLIENT = 0.1;
const MAX_GATHER_MS = 50;

/** Entries with consecutive feed positions, serialised (and compressed) once, shared by every client. */
interface Chunk {
  readonly frames: SseFrames;
  readonly positions: readonly number[];
  /** Where each entry's frame starts in `buffer`. */
  readonly offsets: readonly number[];
}

interface Follower {
  readonly client: SseClient;
  /** The feed position of the last entry handed to this client. */
  cursor: number;
}

const frame = (item: FeedEntry): string => `id: ${item.position}\nevent: journal\ndata: ${JSON.stringify(item)}\n\n`;

function chunksOf(items: readonly FeedEntry[]): Chunk[] {
  const chunks: Chunk[] = [];
  let parts: string[] = [];
  let positions: number[] = [];
  let offsets: number[] = [];
  let size = 0;
  const cut = () => {
    if (parts.length === 0) return;
    chunks.push({ frames: new SseFrames(Buffer.from(parts.join(''))), positions, offsets });
    parts = [];
    positions = [];
    offsets = [];
    size = 0;
  };
  for (const item of items) {
    const text = frame(item);
    positions.push(item.position);
    offsets.push(size);
    parts.push(text);
    size += Buffer.byteLength(text);
    if (size >= CHUNK_BYTES) cut();
  }
  cut();
  return chunks;
}

/**
 * The global journal feed, read ONCE per server and fanned out to every
 * `/api/stream` client: each commit costs one store read and one
 * serialisation, however many clients listen. A client that resumes from an
 * older position first reads what it missed on its own, then joins the shared
 * reader where it is, so every client gets every entry after its position
 * exactly once, in commit order.
 *
 * @internal
 */
export class FeedFanout {
  private readonly followers = new Set<Follower>();
  /** The position of the last entry delivered; meaningful while someone follows. */
  private position = 0;
  private unsubscribe: (() => void) | undefined;
  private reading = false;
  private again = false;
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the shared reader last started reading (performance.now()). */
  private lastRead = Number.NEGATIVE_INFINITY;

  constructor(private readonly engine: SagaEngine) {}

  /**
   * Streams to `client` every feed entry after `after` (after the newest one
   * when undefined) until the client goes away.
   */
  async follow(client: SseClient, after: number | undefined): Promise<void> {
    // An id past the end was seen on another feed (a replaced database): start at the end of this one.
    const end = await this.engine.feedEnd();
    let cursor = after === undefined ? end : Math.min(after, end);
    // Catch up alone to where the shared reader is (to the end when it is idle),
    // at the client's own pace: the store is the buffer.
    for (;;) {
      if (!client.isOpen) return;
      if (this.unsubscribe !== undefined && cursor >= this.position) break;
      const page = await this.engine.feed(cursor, PAGE);
      for (const chunk of chunksOf(page)) {
        if (!client.send(chunk.frames)) return;
        cursor = chunk.positions[chunk.positions.length - 1] ?? cursor;
        await client.room();
      }
      if (page.length < PAGE && this.unsubscribe === undefined) break;
      if (page.length === 0) break;
    }
    if (!client.isOpen) return;
    // Nothing awaited since the check above: no entry can fall between the catch-up and the shared reader.
    const follower: Follower = { client, cursor };
    if (this.unsubscribe === undefined) {
      this.position = cursor;
      // This engine's commits, and (on a store many engines share) the others'.
      const own = this.engine.subscribe(() => this.schedule());
      const others = this.engine.watchFeed(() => this.schedule());
      this.unsubscribe = () => {
        own();
        others();
      };
      // Commits made while the reader was idle notified nobody.
      this.schedule();
    }
    this.followers.add(follower);
    client.onClose(() => this.leave(follower));
  }

  /** How many clients the shared reader serves. */
  get size(): number {
    return this.followers.size;
  }

  /** Stops reading; the connections are closed by the server. */
  close(): void {
    clearTimeout(this.timer);
    this.followers.clear();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private leave(follower: Follower): void {
    this.followers.delete(follower);
    if (this.followers.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }

  /**
   * Every listener call of one group commit lands in the same microtask: one
   * read for all of them. The first commit after a quiet spell is read at
   * once; commits that follow quickly wait for the gathering time.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const gather = Math.min(MAX_GATHER_MS, this.followers.size * GATHER_MS_PER_CLIENT);
    const wait = this.lastRead + gather - performance.now();
    const read = () => {
      this.timer = undefined;
      this.scheduled = false;
      this.lastRead = performance.now();
      void this.drain();
    };
    if (wait <= 0) queueMicrotask(read);
    else this.timer = setTimeout(read, wait);
  }

  private async drain(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.followers.size === 0) return;
          const from = this.position;
          const page = await this.engine.feed(from, PAGE);
          // The reader went idle and was restarted while reading: read again from where it now is.
          if (this.position < from) continue;
          const fresh = page.filter((item) => item.position > this.position);
          if (fresh.length > 0) this.deliver(fresh);
          if (page.length < PAGE) break;
        }
      } while (this.again);
    } catch {
      // The store is closing (shutdown); clients reconnect and resume with Last-Event-ID.
    } finally {
      this.reading = false;
    }
  }

  private deliver(items: readonly FeedEntry[]): void {
    const chunks = chunksOf(items);
    for (const follower of this.followers) {
      for (const chunk of chunks) {
        const last = chunk.positions[chunk.positions.length - 1] ?? 0;
        if (follower.cursor >= last) continue;
        const from = chunk.positions.findIndex((position) => position > follower.cursor);
        const start = chunk.offsets[from] ?? 0;
        follower.cursor = last;
        const frames = start === 0 ? chunk.frames : new SseFrames(chunk.frames.plain.subarray(start));
        if (!follower.client.send(frames)) break;
      }
    }
    this.position = items[items.length - 1]?.position ?? this.position;
  }
}
