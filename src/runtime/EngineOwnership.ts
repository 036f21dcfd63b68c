import type { OwnershipStats, SagaStore, StoreOwnership } from '../store/SagaStore.js';

/** What the engine does when other engines act on the store it shares. @internal */
export interface OwnershipHost {
  /** Another engine took this execution over: drop it, start nothing more for it. */
  lost(id: string): void;
  /** Commands were appended for this execution (apply them if it is held here). */
  commandsAppended(id: string): void;
  /**
   * Something may have changed that another engine did: re-read what callers here wait
   * for (executions settling, commands settling).
   */
  recheck(): void;
  /** The executions in memory. */
  holding(): Iterable<string>;
}

const COALESCE_MS = 5;

/**
 * The engine's side of a store many engines share: it listens for takeovers,
 * for commands appended by other engines and for their commits, and polls as a
 * fallback (a notification can be missed while a connection reconnects). With a
 * store one engine holds alone (memory, SQLite) it does nothing.
 *
 * @internal
 */
export class EngineOwnership {
  private unwatch: (() => void) | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private readonly feedWatchers = new Set<() => void>();
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: SagaStore,
    private readonly pollIntervalMs: number,
    private readonly host: OwnershipHost,
  ) {}

  /** Read when needed: a store opens its leases in init(). */
  private get ownership(): StoreOwnership | undefined {
    return this.store.ownership;
  }

  /** True when other engines share the store. */
  get shared(): boolean {
    return this.ownership !== undefined;
  }

  start(): void {
    if (this.ownership === undefined || this.unwatch !== undefined) return;
    this.unwatch = this.ownership.watch({
      lost: (ids) => this.lost(ids),
      commandsAppended: (ids) => {
        for (const id of ids) this.host.commandsAppended(id);
      },
      committed: () => this.elsewhere(),
      holding: () => this.host.holding(),
    });
    this.poll = setInterval(() => this.elsewhere(), this.pollIntervalMs);
    this.poll.unref();
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.poll !== undefined) clearInterval(this.poll);
    this.poll = undefined;
    if (this.pending !== undefined) clearTimeout(this.pending);
    this.pending = undefined;
  }

  /** Another engine holds these executions now (found by a heartbeat or a fenced commit). */
  lost(ids: readonly string[]): void {
    for (const id of ids) this.host.lost(id);
    this.elsewhere();
  }

  /** Called when another engine's commit may have grown the feed; returns the unsubscribe function. */
  watchFeed(listener: () => void): () => void {
    this.feedWatchers.add(listener);
    return () => this.feedWatchers.delete(listener);
  }

  /** Notifications come with every commit of every engine: those of a few ms make one pass. */
  private elsewhere(): void {
    if (this.pending !== undefined) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.host.recheck();
      for (const watcher of this.feedWatchers) watcher();
    }, COALESCE_MS);
  }

  /** Resolves when this engine's leases are known to be current (at once for a store one engine holds). */
  confirmed(): Promise<void> {
    return this.ownership?.confirmed() ?? Promise.resolve();
  }

  /** How many more executions a claim may take, given how many are held now. */
  capacity(held: number): number {
    return this.ownership === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.ownership.maxHeld - held);
  }

  /** This engine's id and what it holds, claimed and lost; undefined for a store one engine holds. */
  stats(): (OwnershipStats & { engineId: string }) | undefined {
    const ownership = this.ownership;
    return ownership === undefined ? undefined : { ...ownership.stats(), engineId: ownership.engineId };
  }
}
