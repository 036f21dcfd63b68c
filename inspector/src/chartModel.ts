import { eventLabel } from '../../src/compile/eventLabel.js';

/** A state node as `machine.toJSON()` gives it (the fields the inspector reads). */
export interface StateJson {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  states: Record<string, StateJson>;
  transitions?: { target?: string[]; source: string; eventType: string | null; guard?: { type?: string } }[];
  tags?: string[];
}

export interface ChartNode {
  id: string;
  label: string;
  type: StateJson['type'];
  depth: number;
  tags: string[];
  children: ChartNode[];
}

export interface ChartEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  /** The guards on it, for the tooltip. */
  title?: string;
}

const strip = (id: string) => (id.startsWith('#') ? id.slice(1) : id);

/**
 * The machine's states as a tree and its transitions as edges: one edge per
 * source and target, carrying every event that takes it ("error / timeout"),
 * so parallel bundles with a row of labels become one labelled arrow.
 * Guards are left to the edge's tooltip: the saga view says what they mean.
 */
export function chartModel(machine: StateJson): { nodes: ChartNode[]; edges: ChartEdge[] } {
  const edges = new Map<string, ChartEdge & { labels: Set<string>; guards: Set<string> }>();
  const visit = (state: StateJson, depth: number): ChartNode => {
    for (const t of state.transitions ?? []) {
      for (const target of t.target ?? []) {
        const source = strip(t.source);
        let to = strip(target);
        // Failed can resume at any step; one edge to the phase it resumes in reads better than one per step.
        if (t.eventType === 'saga.retry') to = to.split('.').slice(0, 2).join('.');
        if (source === to) continue;
        const id = `${source}->${to}`;
        const edge = edges.get(id) ?? { id, source, target: to, label: '', labels: new Set(), guards: new Set() };
        edge.labels.add(eventLabel(t.eventType ?? ''));
        if (t.guard?.type !== undefined) edge.guards.add(t.guard.type);
        edges.set(id, edge);
      }
    }
    return {
      id: state.id,
      label: state.key,
      type: state.type,
      depth,
      tags: state.tags ?? [],
      children: Object.values(state.states).map((child) => visit(child, depth + 1)),
    };
  };
  const nodes = Object.values(machine.states).map((s) => visit(s, 0));
  return {
    nodes,
    edges: [...edges.values()].map(({ labels, guards, ...edge }) => ({
      ...edge,
      label: [...labels].join(' / '),
      ...(guards.size === 0 ? {} : { title: [...guards].join(', ') }),
    })),
  };
}

/** The ids of the active states for a state value, outermost first. */
export function activeStateIds(machineId: string, value: unknown): string[] {
  const ids: string[] = [];
  const walk = (prefix: string, v: unknown) => {
    if (typeof v === 'string') {
      ids.push(`${prefix}.${v}`);
      return;
    }
    if (typeof v === 'object' && v !== null) {
      for (const [key, inner] of Object.entries(v)) {
        ids.push(`${prefix}.${key}`);
        walk(`${prefix}.${key}`, inner);
      }
    }
  };
  walk(machineId, value);
  return ids;
}
