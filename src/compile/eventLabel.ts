/**
 * A short human label for a chart event: what diagrams (Mermaid, the
 * inspector) print on a transition instead of XState's internal event names.
 */
export function eventLabel(event: string): string {
  if (event === '') return 'always';
  if (event.startsWith('xstate.done.actor.')) return 'done';
  if (event.startsWith('xstate.error.actor.')) return 'error';
  if (event.startsWith('xstate.done.state.')) return 'all done';
  // A remote step's reply (saga.reply.<run|compensate>.<done|error>.<step>) ends it as its actor would.
  if (event.startsWith('saga.reply.')) return event.split('.')[3] === 'done' ? 'done' : 'error';
  if (event.startsWith('saga.timeout.')) return 'timeout';
  if (event.startsWith('saga.backoff.') || event.startsWith('saga.compensation-backoff.')) return 'backoff over';
  if (event === 'saga.cancel') return 'cancel';
  if (event === 'saga.deadline') return 'deadline';
  if (event === 'saga.retry') return 'retry';
  return event;
}
