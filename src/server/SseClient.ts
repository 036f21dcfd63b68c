import type { Response } from 'express';
import { GZIP_HEADER, SseFrames } from './SseFrames.js';

const HEARTBEAT = new SseFrames(Buffer.from(': heartbeat\n\n'));

export interface SseClientOptions {
  /**
   * How many bytes may wait for this client beyond what the socket holds. A
   * client that falls further behind is dropped; it reconnects with
   * Last-Event-ID and resumes where it stopped.
   */
  readonly bufferBytes: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  readonly heartbeatMs: number;
  /** Sends the stream gzip-compressed (`Content-Encoding: gzip`); only for a client that accepts it. */
  readonly gzip?: boolean | undefined;
}

/**
 * One Server-Sent Events connection that honours backpressure: when
 * `res.write()` says the socket is full, later frames wait in a queue until
 * `drain`, and a client whose queue grows past `bufferBytes` is dropped
 * instead of growing the server's memory without bound.
 *
 * @internal
 */
export class SseClient {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private paused = false;
  private open = true;
  private readonly closeListeners: (() => void)[] = [];
  private roomPromise: Promise<void> | undefined;
  private releaseRoom: (() => void) | undefined;
  private readonly gzip: boolean;
  /** The most bytes this client ever had waiting (socket buffer and queue): for tests and metrics. */
  peakBufferedBytes = 0;

  constructor(
    private readonly res: Response,
    private readonly options: SseClientOptions,
    private readonly onDrop: () => void = () => undefined,
  ) {
    this.gzip = options.gzip === true;
    res.status(200).set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...(this.gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.flushHeaders();
    if (this.gzip) this.write(GZIP_HEADER);
    const heartbeat = setInterval(() => {
      // A paused client has data coming already; a heartbeat would only queue.
      if (!this.paused) this.send(HEARTBEAT);
    }, options.heartbeatMs);
    heartbeat.unref();
    res.on('drain', () => this.flush());
    res.on('close', () => {
      clearInterval(heartbeat);
      this.open = false;
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.releaseWaiters();
      for (const listener of this.closeListeners.splice(0)) listener();
    });
  }

  /** False once the connection closed or was dropped. */
  get isOpen(): boolean {
    return this.open;
  }

  /** Bytes written but not yet taken by the client: the socket's buffer plus the queue. */
  get bufferedBytes(): number {
    return this.open ? this.res.writableLength + this.queuedBytes : 0;
  }

  /** Calls `listener` when the connection closes (at once if it already did). */
  onClose(listener: () => void): void {
    if (this.open) this.closeListeners.push(listener);
    else listener();
  }

  /**
   * Sends whole SSE frames (shared ones are fine: they are never changed).
   * Returns false when the client is gone, including when this send dropped it.
   */
  send(frames: SseFrames): boolean {
    if (!this.open) return false;
    return this.sendBytes(this.gzip ? frames.gzip : frames.plain);
  }

  private sendBytes(frames: Buffer): boolean {
    if (this.paused) {
      this.queue.push(frames);
      this.queuedBytes += frames.length;
      if (this.queuedBytes > this.options.bufferBytes) {
        this.drop();
        return false;
      }
      this.notePeak();
      return true;
    }
    this.write(frames);
    return this.open;
  }

  /** Resolves when the client can take more without queueing, or is gone: for reads done for this client alone. */
  room(): Promise<void> {
    if (!this.paused || !this.open) return Promise.resolve();
    // One promise per pause, however many ask.
    return (this.roomPromise ??= new Promise((resolve) => {
      this.releaseRoom = resolve;
    }));
  }

  /** Closes the connection: frames cut short are not events, so the client resumes after its last whole one. */
  drop(): void {
    if (!this.open) return;
    this.open = false;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.onDrop();
    this.res.destroy();
  }

  private write(chunk: Buffer): void {
    if (!this.res.write(chunk)) this.paused = true;
    this.notePeak();
  }

  private flush(): void {
    this.paused = false;
    while (this.open && !this.paused) {
      const next = this.queue.shift();
      if (next === undefined) break;
      this.queuedBytes -= next.length;
      this.write(next);
    }
    if (!this.paused) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    this.releaseRoom?.();
    this.releaseRoom = undefined;
    this.roomPromise = undefined;
  }

  private notePeak(): void {
    const buffered = this.bufferedBytes;
    if (buffered > this.peakBufferedBytes) this.peakBufferedBytes = buffered;
  }
}
