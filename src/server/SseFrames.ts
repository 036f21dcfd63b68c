import { constants, deflateRawSync } from 'node:zlib';

/**
 * Whole SSE frames ready to write, as they are and gzip-compressed. The
 * compressed form is made at most once however many clients take it: it is a
 * run of raw deflate blocks compressed on their own and ending in a sync
 * flush, so it can follow anything already sent in any client's gzip stream.
 *
 * @internal
 */
export class SseFrames {
  private deflated: Buffer | undefined;

  constructor(readonly plain: Buffer) {}

  /** The frames as deflate blocks for a client that asked for `Content-Encoding: gzip`. */
  get gzip(): Buffer {
    // Live streams want speed; these frames repeat so much that the fastest level already shrinks them ~10×.
    return (this.deflated ??= deflateRawSync(this.plain, {
      level: constants.Z_BEST_SPEED,
      finishFlush: constants.Z_SYNC_FLUSH,
    }));
  }
}

/**
 * The gzip member header (RFC 1952) that opens a compressed stream: deflate,
 * no name, no time, unknown OS. A stream is never ended gracefully (it lasts
 * until one side closes the connection), so no trailer is ever due.
 *
 * @internal
 */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
