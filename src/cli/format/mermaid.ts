import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { eventLabel } from '../../compile/eventLabel.js';

const idOf = (node: AnyStateNode) => node.id.replace(/[^A-Za-z0-9_]/g, '_');

function guardLabel(guard: unknown): string {
  const type = typeof guard === 'object' && guard !== null ? (guard as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? ` [${type}]` : '';
}

function declare(node: AnyStateNode, depth: number, lines: string[]): void {
  const pad = '  '.repeat(depth);
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) {
    lines.push(`${pad}state "${node.key}" as ${idOf(node)}`);
    return;
  }
  lines.push(`${pad}state "${node.key}" as ${idOf(node)} {`);
  if (node.type !== 'parallel' && node.initial !== undefined) {
    const initial = node.initial.target[0];
    if (initial !== undefined) lines.push(`${pad}  [*] --> ${idOf(initial)}`);
  }
  children.forEach((child, i) => {
    declare(child, depth + 1, lines);
    if (node.type === 'parallel' && i < children.length - 1) lines.push(`${pad}  --`);
  });
  lines.push(`${pad}}`);
}

function transitions(node: AnyStateNode, lines: string[]): void {
  const seen = new Set<string>();
  const edges = [
    ...[...node.transitions.entries()].flatMap(([event, list]) => list.map((t) => ({ event, t }))),
    ...(node.always ?? []).map((t) => ({ event: 'always', t })),
  ];
  for (const { event, t } of edges) {
    for (const target of t.target ?? []) {
      const line = `  ${idOf(node)} --> ${idOf(target)} : ${eventLabel(event)}${guardLabel(t.guard)}`;
      if (!seen.has(line)) lines.push(line);
      seen.add(line);
    }
  }
  for (const child of Object.values(node.states) as AnyStateNode[]) transitions(child, lines);
}

/**
 * The statechart as a Mermaid `stateDiagram-v2`, nested states included, for
 * READMEs and design docs.
 */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const top = Object.values(machine.root.states) as AnyStateNode[];
  const initial = machine.root.initial?.target[0];
  if (initial !== undefined) lines.push(`  [*] --> ${idOf(initial)}`);
  for (const node of top) declare(node, 1, lines);
  for (const node of top) {
    transitions(node, lines);
    if (node.type === 'final') lines.push(`  ${idOf(node)} --> [*]`);
  }
  return `${lines.join('\n')}\n`;
}
