/**
 * The abort controllers of the step calls in flight, by execution. XState
 * fires an invoked promise's `signal` only when it stops the actor; a cancel or
 * deadline must fire it while the step keeps running, so the saga can wait for
 * the step to settle and learn whether its effect may have happened.
 *
 * @internal
 */
export class InFlightEffects {
  private readonly byExecution = new Map<string, Set<AbortController>>();

  /** A controller for one call, aborted when `outer` aborts; `release` it when the call settles. */
  open(executionId: string, outer: AbortSignal): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(outer.reason);
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener('abort', onAbort, { once: true });
    const set = this.byExecution.get(executionId) ?? new Set<AbortController>();
    set.add(controller);
    this.byExecution.set(executionId, set);
    return {
      signal: controller.signal,
      release: () => {
        outer.removeEventListener('abort', onAbort);
        set.delete(controller);
        if (set.size === 0 && this.byExecution.get(executionId) === set) this.byExecution.delete(executionId);
      },
    };
  }

  /** Fires the signal of every call of the execution that is in flight. */
  abort(executionId: string, reason: string): void {
    for (const controller of this.byExecution.get(executionId) ?? []) {
      controller.abort(new DOMException(reason, 'AbortError'));
    }
  }
}
