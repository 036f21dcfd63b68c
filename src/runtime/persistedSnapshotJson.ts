import type { AnyActorRef } from 'xstate';

/** The parts of an XState 5 machine snapshot (and of its children) the persisted form is made of. */
interface MachineSnapshotParts {
  readonly status: string;
  readonly output: unknown;
  readonly error: unknown;
  readonly value: unknown;
  readonly historyValue: Record<string, unknown> | undefined;
  readonly context: unknown;
  readonly children: Record<string, ChildRef | undefined>;
}

interface ChildRef {
  readonly src: unknown;
  readonly systemId: string | undefined;
  readonly _syncSnapshot: boolean | undefined;
  getPersistedSnapshot(): unknown;
}

/**
 * `JSON.stringify(actor.getPersistedSnapshot())` for a saga's machine, made
 * without XState's intermediate copy: the same JSON (same keys, same order), at
 * about half the cost, on every write of every execution.
 *
 * What it leaves out is what a saga's machine never has: XState's copy walks the
 * whole context looking for actor references to replace, and a saga's context
 * holds plain JSON only (step outputs and event data are checked at the
 * boundary). test/persistedSnapshotJson.test.ts compares the two on every kind
 * of state, so an XState upgrade that changes the persisted form is caught.
 *
 * @internal
 */
export function persistedSnapshotJson(actor: AnyActorRef): string {
  const snapshot = actor.getSnapshot() as MachineSnapshotParts;
  const children: Record<string, unknown> = {};
  for (const id in snapshot.children) {
    const child = snapshot.children[id];
    if (child === undefined) continue;
    children[id] = {
      snapshot: child.getPersistedSnapshot(),
      src: child.src,
      systemId: child.systemId,
      syncSnapshot: child._syncSnapshot,
    };
  }
  return JSON.stringify({
    status: snapshot.status,
    output: snapshot.output,
    error: snapshot.error,
    value: snapshot.value,
    historyValue: historyJson(snapshot.historyValue),
    context: snapshot.context,
    children,
  });
}

/** XState's serialised history: each history state's target nodes by id. */
function historyJson(history: Record<string, unknown> | undefined): Record<string, { id: string }[]> {
  const result: Record<string, { id: string }[]> = {};
  if (typeof history !== 'object' || history === null) return result;
  for (const key in history) {
    const nodes = history[key];
    if (Array.isArray(nodes)) result[key] = nodes.map((node: { id: string }) => ({ id: node.id }));
  }
  return result;
}
