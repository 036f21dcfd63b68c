import type { AnyStateMachine, AnyStateNode } from 'xstate';

interface StateNodeJson {
  states: Record<string, StateNodeJson>;
  transitions: { target?: string[]; source: string; eventType: string; guard?: unknown }[];
}

/**
 * The machine as XState's JSON, plus the eventless (`always`) transitions,
 * which `toJSON()` leaves out, so diagrams can draw them.
 */
export function chartJson(machine: AnyStateMachine): unknown {
  const json = machine.toJSON() as unknown as StateNodeJson;
  const visit = (node: AnyStateNode, out: StateNodeJson) => {
    for (const t of node.always ?? []) {
      out.transitions.push({
        source: `#${node.id}`,
        target: (t.target ?? []).map((target) => `#${target.id}`),
        eventType: '',
        ...(t.guard === undefined ? {} : { guard: t.guard }),
      });
    }
    for (const [key, child] of Object.entries(node.states) as [string, AnyStateNode][]) {
      const childJson = out.states[key];
      if (childJson !== undefined) visit(child, childJson);
    }
  };
  visit(machine.root, json);
  return json;
}
