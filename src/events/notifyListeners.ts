import type { SagaLifecycleEvent, SagaLifecycleListener } from './SagaLifecycleEvent.js';

/** Calls every listener; one listener's failure stops neither the engine nor the others. */
export function notifyListeners(listeners: Iterable<SagaLifecycleListener>, event: SagaLifecycleEvent): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch {
      // deliberately ignored: see above
    }
  }
}
