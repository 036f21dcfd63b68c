import type { ExecutionView } from './ExecutionView.js';

interface Waiter {
  readonly resolve: (view: ExecutionView) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The callers of `waitFor`, by execution id. Kept apart from the actors so a
 * waiter survives its execution leaving memory and coming back.
 *
 * @internal
 */
export class SettleWaiters {
  private readonly byId = new Map<string, Set<Waiter>>();
  private rechecking = false;

  /** A promise for the execution's settled view. */
  wait(id: string): Promise<ExecutionView> {
    return new Promise<ExecutionView>((resolve, reject) => this.insert(id, { resolve, reject }));
  }

  /** A promise for the execution's settled view, and a function that withdraws it with a view already known. */
  add(id: string): {
    promise: Promise<ExecutionView>;
    settleWith: (view: ExecutionView) => void;
    withdraw: () => void;
  } {
    let waiter: Waiter | undefined;
    const promise = new Promise<ExecutionView>((resolve, reject) => {
      waiter = { resolve, reject };
    });
    const added = waiter as Waiter;
    this.insert(id, added);
    return {
      promise,
      settleWith: (view) => {
        this.remove(id, added);
        added.resolve(view);
      },
      withdraw: () => this.remove(id, added),
    };
  }

  /**
   * Waits for an execution that is not in memory: registered before reading, so a
   * settle in between is not missed; resolves at once when `read` finds it settled.
   */
  async waitParked(id: string, read: () => Promise<ExecutionView>, settled: (view: ExecutionView) => boolean) {
    const waiter = this.add(id);
    // Withdrawn, not rejected, when the read fails: the caller gets the error from here.
    const view = await read().catch((error: unknown) => {
      waiter.withdraw();
      throw error;
    });
    if (settled(view)) waiter.settleWith(view);
    return waiter.promise;
  }

  /**
   * Re-reads the executions waited for that are not in memory here (another engine
   * may have settled them) and resolves those that are settled. One pass at a time:
   * a recheck asked for while one reads is that one.
   */
  recheck(skip: (id: string) => boolean, readSettled: (ids: readonly string[]) => Promise<ExecutionView[]>): void {
    if (this.rechecking) return;
    const ids = [...this.byId.keys()].filter((id) => !skip(id));
    if (ids.length === 0) return;
    this.rechecking = true;
    void readSettled(ids)
      .then(
        (views) => {
          for (const view of views) if (!skip(view.id)) this.resolve(view.id, view);
        },
        () => undefined,
      )
      .finally(() => {
        this.rechecking = false;
      });
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  resolve(id: string, view: ExecutionView): void {
    const set = this.byId.get(id);
    if (set === undefined) return;
    this.byId.delete(id);
    for (const waiter of set) waiter.resolve(view);
  }

  reject(id: string, error: unknown): void {
    const set = this.byId.get(id);
    if (set === undefined) return;
    this.byId.delete(id);
    for (const waiter of set) waiter.reject(error);
  }

  rejectAll(error: (id: string) => unknown): void {
    for (const id of [...this.byId.keys()]) this.reject(id, error(id));
  }

  private insert(id: string, waiter: Waiter): void {
    const set = this.byId.get(id);
    if (set === undefined) this.byId.set(id, new Set([waiter]));
    else set.add(waiter);
  }

  private remove(id: string, waiter: Waiter): void {
    const set = this.byId.get(id);
    set?.delete(waiter);
    if (set?.size === 0) this.byId.delete(id);
  }
}
