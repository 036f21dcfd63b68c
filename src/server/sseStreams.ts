import type { Request, Response } from 'express';
import { followJournal } from '../runtime/followJournal.js';
import type { SagaEngine } from '../runtime/SagaEngine.js';

const HEARTBEAT_MS = 15_000;

function openStream(req: Request, res: Response): (id: string, event: string, data: unknown) => void {
  res.status(200).set({
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
  req.on('close', () => clearInterval(heartbeat));
  return (id, event, data) => {
    res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}

/** The seq after which a reconnecting client wants events: Last-Event-ID, or ?lastEventId=. */
function lastEventId(req: Request): number {
  const raw =
    req.get('last-event-id') ?? (typeof req.query['lastEventId'] === 'string' ? req.query['lastEventId'] : '0');
  const seq = Number(raw);
  return Number.isInteger(seq) && seq >= 0 ? seq : 0;
}

/**
 * One execution's journal as Server-Sent Events, `id` = journal seq. A client
 * that reconnects with Last-Event-ID gets every entry after it exactly once, in
 * order: live events are buffered while the missed ones are read from the store.
 */
export async function streamExecution(engine: SagaEngine, id: string, req: Request, res: Response): Promise<void> {
  await engine.get(id); // 404 before the stream opens
  const afterSeq = lastEventId(req);
  const send = openStream(req, res);
  const off = await followJournal(engine, id, afterSeq, (followed) =>
    send(String(followed.entry.seq), 'journal', followed),
  );
  req.on('close', off);
  if (req.destroyed) off();
}

const FEED_PAGE = 500;

/**
 * Every journal entry of every execution, live, as Server-Sent Events with
 * `id` = the store's feed position. Each notification makes the stream read
 * the feed from where it is, so a client that reconnects with Last-Event-ID
 * gets exactly what it missed, in commit order; without one it starts now.
 */
export async function streamAll(engine: SagaEngine, req: Request, res: Response): Promise<void> {
  const header =
    req.get('last-event-id') ?? (typeof req.query['lastEventId'] === 'string' ? req.query['lastEventId'] : undefined);
  const resumeFrom = header === undefined ? undefined : Number(header);
  let position =
    resumeFrom !== undefined && Number.isInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : await engine.feedEnd();
  const send = openStream(req, res);
  let reading = false;
  let again = false;
  let closed = false;
  const drain = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          const page = await engine.feed(position, FEED_PAGE);
          for (const item of page) {
            if (closed) return;
            position = item.position;
            send(String(item.position), 'journal', item);
          }
          if (page.length < FEED_PAGE) break;
        }
      } while (again && !closed);
    } catch {
      // The store is closing (shutdown); the client reconnects and resumes.
    } finally {
      reading = false;
    }
  };
  const off = engine.subscribe(() => void drain());
  req.on('close', () => {
    closed = true;
    off();
  });
  await drain();
}
