import type { Request, Response } from 'express';
import type { SagaLifecycleEvent } from '../events/SagaLifecycleEvent.js';
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
  let sent = lastEventId(req);
  let replaying = true;
  const buffered: SagaLifecycleEvent[] = [];
  const send = openStream(req, res);
  const deliver = (event: Pick<SagaLifecycleEvent, 'executionId' | 'saga' | 'status' | 'state' | 'entries'>) => {
    for (const entry of event.entries) {
      if (entry.seq <= sent) continue;
      sent = entry.seq;
      send(String(entry.seq), 'journal', {
        executionId: event.executionId,
        saga: event.saga,
        status: event.status,
        state: event.state,
        entry,
      });
    }
  };
  const off = engine.subscribe((event) => {
    if (event.executionId !== id) return;
    if (replaying) buffered.push(event);
    else deliver(event);
  });
  req.on('close', off);
  const view = await engine.get(id);
  deliver({ ...view, executionId: id, entries: await engine.journal(id, sent) });
  for (const event of buffered) deliver(event);
  replaying = false;
}

/** Every durable transition of every execution, live, as Server-Sent Events. */
export function streamAll(engine: SagaEngine, req: Request, res: Response): void {
  const send = openStream(req, res);
  const off = engine.subscribe((event) => {
    const last = event.entries.at(-1);
    send(`${event.executionId}:${last?.seq ?? event.revision}`, 'transition', event);
  });
  req.on('close', off);
}
