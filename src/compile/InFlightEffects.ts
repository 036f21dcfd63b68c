/**
 * The abort signals of the step calls in flight, by execution. XState fires an
 * invoked promise's `signal` only when it stops the actor; a cancel or deadline
 * must fire it while the step keeps running, so the saga can wait for the step
 * to settle and learn whether its effect may have happened.
 *
 * @internal
 */
export class InFlightEffects {
  private readonly byExecution = new Map<string, Set<EffectCall>>();

  /**
   * One call's signal, aborted when `outer` aborts or the execution's calls are
   * aborted; `release` it when the call settles.
   */
  open(executionId: string, outer: AbortSignal): EffectCall {
    const set = this.byExecution.get(executionId) ?? new Set<EffectCall>();
    const call = new EffectCall(outer, () => {
      set.delete(call);
      if (set.size === 0 && this.byExecution.get(executionId) === set) this.byExecution.delete(executionId);
    });
    set.add(call);
    this.byExecution.set(executionId, set);
    return call;
  }

  /** Fires the signal of every call of the execution that is in flight. */
  abort(executionId: string, reason: string): void {
    for (const call of this.byExecution.get(executionId) ?? []) call.abort(new DOMException(reason, 'AbortError'));
  }
}

/**
 * A step call's abort signal, made the first time step code asks for it: most
 * steps never look at theirs, and an AbortController with a listener on XState's
 * signal is a measurable share of each call (BENCHMARKS.md, "Over HTTP").
 *
 * @internal
 */
export class EffectCall {
  private controller: AbortController | undefined;
  /** Why the call was aborted before anyone asked for its signal. */
  private reason: { readonly value: unknown } | undefined;
  private released = false;
  private readonly onOuterAbort = (): void => this.abort(this.outer.reason);

  constructor(
    private readonly outer: AbortSignal,
    private readonly forget: () => void,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason.value);
      else if (this.outer.aborted) this.controller.abort(this.outer.reason);
      else if (!this.released) this.outer.addEventListener('abort', this.onOuterAbort, { once: true });
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.controller !== undefined) this.controller.abort(reason);
    else this.reason ??= { value: reason };
  }

  /** The call settled: its signal no longer follows the execution's or XState's. */
  release(): void {
    this.released = true;
    this.outer.removeEventListener('abort', this.onOuterAbort);
    this.forget();
  }
}
