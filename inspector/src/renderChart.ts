import * as elkModule from 'elkjs/lib/elk.bundled.js';
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import { svg } from './dom.js';
import type { ChartEdge, ChartNode } from './chartModel.js';

// elk.bundled.js is CommonJS: its class is the module's default export once bundled.
const ElkConstructor = (elkModule as unknown as { default: new () => ELK }).default;
const elk = new ElkConstructor();
const CHAR = 7;
const LEAF_HEIGHT = 26;

function toElk(node: ChartNode): ElkNode {
  const base = { id: node.id, labels: [{ text: node.label }] };
  if (node.children.length === 0) {
    return { ...base, width: Math.max(56, node.label.length * CHAR + 22), height: LEAF_HEIGHT };
  }
  return {
    ...base,
    layoutOptions: {
      'elk.padding': '[top=26,left=10,bottom=10,right=10]',
      // Phases stack their steps top to bottom; a step lays out its run/backoff side by side.
      'elk.direction': node.depth === 0 || node.type === 'parallel' ? 'DOWN' : 'RIGHT',
    },
    children: node.children.map(toElk),
  };
}

export interface RenderedChart {
  readonly element: SVGSVGElement;
  /** Every state's group, by state id, for highlighting. */
  readonly states: Map<string, SVGGElement>;
}

/**
 * Lays the statechart out with ELK (layered, hierarchy included, as Stately
 * does) and draws it as SVG. Final states are drawn with a double border,
 * the pivot is marked, transitions carry their event and guard.
 */
export async function renderChart(
  nodes: ChartNode[],
  edges: ChartEdge[],
  options: { pivotId?: string | undefined } = {},
): Promise<RenderedChart> {
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      // Running, Compensating and the final states side by side: a wide screen fits them.
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '18',
      'elk.spacing.edgeLabel': '2',
      'elk.edgeLabels.inline': 'true',
      // Edges are declared on the root; ask for their points in root coordinates.
      'elk.json.edgeCoords': 'ROOT',
      // Straightens the chain of steps instead of drawing it as a staircase.
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
    },
    children: nodes.map(toElk),
    edges: edges.map((e): ElkExtendedEdge => ({
      id: e.id,
      sources: [e.source],
      targets: [e.target],
      labels: [{ text: e.label, width: e.label.length * 5.6, height: 12 }],
    })),
  };
  const laid = await elk.layout(graph);
  const root = svg('svg', {
    width: laid.width ?? 0,
    // Natural size (the box scrolls): scaled down, a long saga's labels become unreadable.
    height: laid.height ?? 0,
    viewBox: `0 0 ${laid.width ?? 0} ${laid.height ?? 0}`,
    class: 'chart',
    role: 'img',
  });
  const defs = svg('defs');
  const marker = svg('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto',
  });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }));
  defs.append(marker);
  root.append(defs);

  const states = new Map<string, SVGGElement>();
  const byId = new Map<string, ChartNode>();
  const index = (n: ChartNode) => {
    byId.set(n.id, n);
    n.children.forEach(index);
  };
  nodes.forEach(index);

  const drawNode = (node: ElkNode, offsetX: number, offsetY: number, parent: SVGElement) => {
    const x = offsetX + (node.x ?? 0);
    const y = offsetY + (node.y ?? 0);
    const model = byId.get(node.id);
    const kind = model?.type ?? 'atomic';
    const classes = [
      'state',
      `state-${kind}`,
      `depth-${model?.depth ?? 0}`,
      ...(model?.tags ?? []).map((t) => `tag-${t}`),
    ];
    if (node.id === options.pivotId) classes.push('pivot');
    const group = svg('g', { class: classes.join(' '), 'data-state': node.id });
    group.append(svg('rect', { x, y, width: node.width ?? 0, height: node.height ?? 0, rx: 6 }));
    if (kind === 'final') {
      group.append(
        svg('rect', {
          x: x + 3,
          y: y + 3,
          width: (node.width ?? 0) - 6,
          height: (node.height ?? 0) - 6,
          rx: 4,
          class: 'inner',
        }),
      );
    }
    const label = svg('text', {
      x: x + (node.children === undefined || node.children.length === 0 ? (node.width ?? 0) / 2 : 8),
      y: y + (node.children === undefined || node.children.length === 0 ? (node.height ?? 0) / 2 + 4 : 16),
      'text-anchor': node.children === undefined || node.children.length === 0 ? 'middle' : 'start',
    });
    label.textContent = `${model?.label ?? node.id}${node.id === options.pivotId ? '  ◆ pivot' : ''}`;
    group.append(label);
    parent.append(group);
    states.set(node.id, group);
    for (const child of node.children ?? []) drawNode(child, x, y, parent);
  };
  const nodeLayer = svg('g', { class: 'nodes' });
  for (const child of laid.children ?? []) drawNode(child, 0, 0, nodeLayer);
  root.append(nodeLayer);

  const edgeLayer = svg('g', { class: 'edges' });
  for (const edge of laid.edges ?? []) {
    const model = edges.find((e) => e.id === edge.id);
    for (const section of edge.sections ?? []) {
      const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
      edgeLayer.append(
        svg('path', {
          d: points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' '),
          class: `edge edge-${(model?.label ?? '').split(' ')[0] ?? ''}`,
          'data-source': model?.source ?? '',
          'data-target': model?.target ?? '',
          'marker-end': 'url(#arrow)',
        }),
      );
    }
    for (const label of edge.labels ?? []) {
      const text = svg('text', { x: label.x ?? 0, y: (label.y ?? 0) + 9, class: 'edge-label' });
      text.textContent = label.text ?? '';
      edgeLayer.append(text);
    }
  }
  root.append(edgeLayer);
  return { element: root, states };
}
