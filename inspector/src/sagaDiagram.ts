import type { SagaSummary, StepSummary } from './api.js';
import { svg } from './dom.js';
import { remoteBadge, remoteSubject, stepBadges } from './stepBadges.js';

/**
 * The saga view (DESIGN §6): one node per step in order, the compensations
 * as a mirrored lane below, the pivot as a boundary, retries, timeouts and
 * awaited events as badges, a parallel group as a stack.
 *
 * Laid out on a grid rather than by ELK: the lane must mirror the steps
 * column by column, which a layered layout does not promise; every edge is a
 * straight segment between neighbours, so there is nothing to route.
 */
export interface SagaDiagram {
  readonly element: SVGSVGElement;
  /** `run:<step>`, `undo:<step>`, `start`, `Completed`, `Compensated`, `Failed`. */
  readonly nodes: Map<string, SVGGElement>;
  /** The small line under a node's badges, where painting writes attempts. */
  readonly notes: Map<string, SVGTextElement>;
  readonly width: number;
  readonly height: number;
}

const NODE_H = 48;
const BRANCH_H = 42;
const BRANCH_GAP = 8;
const GROUP_HEAD = 22;
const COL_GAP = 36;
const ROW_GAP = 58;
const TOP = 30;
const PAD = 14;
const END_W = 112;
const UNDO_H = 42;
const BUS_GAP = 22;

const textWidth = (text: string, px: number) => text.length * px * 0.58;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Column {
  step: StepSummary | undefined;
  w: number;
  h: number;
  x: number;
}

/** What the line under a node's name says: its badges, then where it is sent when it runs elsewhere. */
const badgeLine = (badges: readonly string[], remote: string | undefined) =>
  [...badges, ...(remote === undefined ? [] : [remoteBadge(remote)])].join(' · ');

const UNDO_BADGES = ['compensation'];

const nodeWidth = (step: StepSummary, lane: 'run' | 'undo' = 'run') =>
  Math.max(
    104,
    textWidth((lane === 'undo' ? '↶ ' : '') + step.name, 13) + 26,
    textWidth(badgeLine(lane === 'undo' ? UNDO_BADGES : stepBadges(step), remoteSubject(step, lane)), 10.5) + 22,
  );

/** Lays out and draws the saga view of `saga`. */
export function sagaDiagram(saga: SagaSummary): SagaDiagram {
  const steps = saga.steps;
  const pivotIndex = steps.findIndex((s) => s.pivot === true);
  // Failures up to and including the pivot roll back; after it they go forward or to a person.
  const lastRollback = pivotIndex === -1 ? steps.length - 1 : pivotIndex;
  const compensable = (s: StepSummary, i: number) =>
    i < (pivotIndex === -1 ? steps.length : pivotIndex) && s.compensable === true;
  const undoable = (s: StepSummary, i: number): StepSummary[] =>
    s.kind === 'parallel'
      ? i < (pivotIndex === -1 ? steps.length : pivotIndex)
        ? (s.branches ?? []).filter((b) => b.compensable === true)
        : []
      : compensable(s, i)
        ? [s]
        : [];

  const columns: Column[] = [{ step: undefined, w: END_W, h: NODE_H, x: 0 }];
  for (const [i, s] of steps.entries()) {
    if (s.kind === 'parallel') {
      const branches = s.branches ?? [];
      const w = Math.max(nodeWidth(s), ...branches.flatMap((b) => [nodeWidth(b), nodeWidth(b, 'undo')])) + 16;
      const h = GROUP_HEAD + branches.length * (BRANCH_H + BRANCH_GAP) + 2;
      columns.push({ step: s, w, h, x: 0 });
    } else {
      const undo = undoable(s, i).length > 0 ? nodeWidth(s, 'undo') : 0;
      columns.push({ step: s, w: Math.max(nodeWidth(s), undo), h: NODE_H, x: 0 });
    }
  }
  columns.push({ step: undefined, w: END_W, h: NODE_H, x: 0 });
  let x = PAD;
  for (const c of columns) {
    c.x = x;
    x += c.w + COL_GAP;
  }
  const width = x - COL_GAP + PAD;
  const row0 = Math.max(...columns.map((c) => c.h));
  const mid0 = TOP + row0 / 2;
  const undoHeights = steps.map((s, i) => {
    const n = undoable(s, i).length;
    return s.kind === 'parallel' && n > 0 ? GROUP_HEAD + n * (UNDO_H + BRANCH_GAP) + 2 : n > 0 ? UNDO_H : 0;
  });
  const row1Top = TOP + row0 + ROW_GAP;
  const row1 = Math.max(UNDO_H, ...undoHeights);
  const mid1 = row1Top + row1 / 2;
  // Failed is reached when a compensation gives up, or a step after the pivot does; a saga with
  // neither never fails, and draws no Failed to reach.
  const givesUp = steps.some((s, i) => undoable(s, i).length > 0);
  const failsForward = steps.length - 1 > lastRollback;
  // A compensation that gives up goes to Failed along a line under the lane.
  const busY = row1Top + row1 + BUS_GAP;
  const height = (givesUp ? busY : row1Top + row1) + PAD + 16;

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'saga-diagram', role: 'img' });
  root.setAttribute('aria-label', `${saga.name}: ${steps.map((s) => s.name).join(', ')}`);
  const defs = svg('defs');
  for (const [id, cls] of [
    ['saga-arrow', 'arrowhead'],
    ['saga-arrow-undo', 'arrowhead undo'],
    ['saga-arrow-soft', 'arrowhead soft'],
  ] as const) {
    const marker = svg('marker', {
      id,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto',
    });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }));
    defs.append(marker);
  }
  root.append(defs);
  const edgeLayer = svg('g', { class: 'edges' });
  const nodeLayer = svg('g', { class: 'nodes' });
  root.append(edgeLayer, nodeLayer);
  const nodes = new Map<string, SVGGElement>();
  const notes = new Map<string, SVGTextElement>();

  /** A straight edge; `to` names the end state it leads into (`Completed`, `Compensated`, `Failed`). */
  const line = (points: [number, number][], cls: string, marker?: string, to?: string) => {
    const path = svg('path', {
      d: points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px},${py}`).join(' '),
      class: `saga-edge ${cls}`,
    });
    if (marker !== undefined) path.setAttribute('marker-end', `url(#${marker})`);
    if (to !== undefined) path.setAttribute('data-to', to);
    edgeLayer.append(path);
  };

  const drawNode = (key: string, box: Box, title: string, sub: string[], cls: string, remote?: string) => {
    const group = svg('g', { class: `saga-node ${cls}`, 'data-node': key, tabindex: '0' });
    group.append(
      svg('rect', { x: box.x, y: box.y, width: box.w, height: box.h, rx: cls.includes('end') ? box.h / 2 : 7 }),
    );
    const hasBadges = sub.length > 0 || remote !== undefined;
    const name = svg('text', {
      x: box.x + box.w / 2,
      y: box.y + (hasBadges ? 18 : box.h / 2 + 4.5),
      class: 'name',
    });
    name.textContent = title;
    group.append(name);
    if (hasBadges) {
      const badges = svg('text', { x: box.x + box.w / 2, y: box.y + 32, class: 'badges' });
      badges.textContent = sub.join(' · ');
      if (remote !== undefined) {
        // Its own span: coloured apart, so a step that runs in another service stands out.
        const badge = svg('tspan', { class: 'remote-badge', 'data-remote': remote });
        badge.textContent = remoteBadge(remote);
        badges.append(...(sub.length > 0 ? [' · '] : []), badge);
      }
      group.append(badges);
    }
    const note = svg('text', { x: box.x + box.w / 2, y: box.y + box.h + 12, class: 'note' });
    group.append(note);
    notes.set(key, note);
    const tip = svg('title');
    tip.textContent = [title, ...sub, ...(remote === undefined ? [] : [`sent on ${remote} to a participant`])].join(
      ' · ',
    );
    group.append(tip);
    nodeLayer.append(group);
    nodes.set(key, group);
    return box;
  };

  // Start and the forward row.
  const first = columns[0]!;
  const start = svg('g', { class: 'saga-node start', 'data-node': 'start' });
  start.append(svg('circle', { cx: first.x + first.w / 2, cy: mid0, r: 9 }));
  nodeLayer.append(start);
  nodes.set('start', start);
  const boxes: Box[] = [{ x: first.x + first.w / 2 - 9, y: mid0 - 9, w: 18, h: 18 }];
  for (const c of columns.slice(1, -1)) {
    const s = c.step!;
    if (s.kind === 'parallel') {
      const box = { x: c.x, y: mid0 - c.h / 2, w: c.w, h: c.h };
      const group = svg('g', { class: 'saga-node group', 'data-node': `run:${s.name}` });
      group.append(svg('rect', { x: box.x, y: box.y, width: box.w, height: box.h, rx: 9 }));
      const label = svg('text', { x: box.x + 8, y: box.y + 15, class: 'group-label' });
      label.textContent = `${s.name} ∥`;
      group.append(label);
      nodeLayer.append(group);
      nodes.set(`run:${s.name}`, group);
      (s.branches ?? []).forEach((b, j) => {
        drawNode(
          `run:${b.name}`,
          { x: box.x + 8, y: box.y + GROUP_HEAD + j * (BRANCH_H + BRANCH_GAP), w: box.w - 16, h: BRANCH_H },
          b.name,
          stepBadges(b),
          `kind-${b.kind} branch`,
          remoteSubject(b, 'run'),
        );
      });
      boxes.push(box);
    } else {
      const box = { x: c.x, y: mid0 - NODE_H / 2, w: c.w, h: NODE_H };
      const cls = `kind-${s.kind}${s.pivot === true ? ' pivot' : ''}`;
      drawNode(`run:${s.name}`, box, s.name, stepBadges(s), cls, remoteSubject(s, 'run'));
      boxes.push(box);
    }
  }
  const last = columns.at(-1)!;
  boxes.push(
    drawNode('Completed', { x: last.x, y: mid0 - 17, w: last.w, h: 34 }, 'Completed', [], 'end end-Completed'),
  );
  for (let i = 0; i + 1 < boxes.length; i++) {
    const a = boxes[i]!;
    const b = boxes[i + 1]!;
    line(
      [
        [a.x + a.w, mid0],
        [b.x - 1, mid0],
      ],
      'forward',
      'saga-arrow',
      i + 2 === boxes.length ? 'Completed' : undefined,
    );
  }

  // The compensation lane, right to left, ending in Compensated under the start.
  const compensated = drawNode(
    'Compensated',
    { x: first.x, y: mid1 - 17, w: first.w, h: 34 },
    'Compensated',
    [],
    'end end-Compensated',
  );
  let laneRight = compensated.x + compensated.w;
  const stations: Box[] = [compensated];
  steps.forEach((s, i) => {
    const c = columns[i + 1]!;
    const undo = undoable(s, i);
    if (undo.length === 0) return;
    if (s.kind === 'parallel') {
      const h = undoHeights[i]!;
      const box = { x: c.x, y: mid1 - h / 2, w: c.w, h };
      const group = svg('g', { class: 'saga-node group undo', 'data-node': `undo:${s.name}` });
      group.append(svg('rect', { x: box.x, y: box.y, width: box.w, height: box.h, rx: 9 }));
      const label = svg('text', { x: box.x + 8, y: box.y + 15, class: 'group-label' });
      label.textContent = `undo ${s.name} ∥`;
      group.append(label);
      nodeLayer.append(group);
      nodes.set(`undo:${s.name}`, group);
      undo.forEach((b, j) =>
        drawNode(
          `undo:${b.name}`,
          { x: box.x + 8, y: box.y + GROUP_HEAD + j * (UNDO_H + BRANCH_GAP), w: box.w - 16, h: UNDO_H },
          `↶ ${b.name}`,
          UNDO_BADGES,
          'undo branch',
          remoteSubject(b, 'undo'),
        ),
      );
      stations.push(box);
    } else {
      stations.push(
        drawNode(
          `undo:${s.name}`,
          { x: c.x, y: mid1 - UNDO_H / 2, w: c.w, h: UNDO_H },
          `↶ ${s.name}`,
          UNDO_BADGES,
          'undo',
          remoteSubject(s, 'undo'),
        ),
      );
    }
    laneRight = c.x + c.w;
  });
  for (let i = stations.length - 1; i > 0; i--) {
    const from = stations[i]!;
    const to = stations[i - 1]!;
    line(
      [
        [from.x, mid1],
        [to.x + to.w + 1, mid1],
      ],
      'lane',
      'saga-arrow-undo',
      i === 1 ? 'Compensated' : undefined,
    );
  }
  // Failures join the lane just left of the failing step's own column.
  const rollbackEnd = lastRollback >= 0 ? columns[lastRollback + 1]! : undefined;
  if (rollbackEnd !== undefined && rollbackEnd.x - COL_GAP / 2 > laneRight) {
    // With nothing to undo, a failure goes straight on to Compensated.
    const direct = stations.length === 1;
    line(
      [
        [rollbackEnd.x - COL_GAP / 2, mid1],
        [laneRight + (direct ? 1 : 0), mid1],
      ],
      'lane',
      direct ? 'saga-arrow-undo' : undefined,
      direct ? 'Compensated' : undefined,
    );
  }
  steps.forEach((s, i) => {
    if (i > lastRollback) return;
    const box = boxes[i + 1]!;
    const gapX = box.x - COL_GAP / 2;
    line(
      [
        [box.x + 12, box.y + box.h],
        [box.x + 12, box.y + box.h + ROW_GAP / 2 - 6],
        [gapX, box.y + box.h + ROW_GAP / 2 - 6],
        [gapX, mid1 - 2],
      ],
      'drop',
    );
  });

  // After the pivot: a step that exhausts its retries waits for a person.
  const failed =
    givesUp || failsForward
      ? drawNode('Failed', { x: last.x, y: mid1 - 17, w: last.w, h: 34 }, 'Failed', [], 'end end-Failed')
      : undefined;
  const afterPivot = steps.map((s, i) => ({ s, i })).filter(({ i }) => i > lastRollback);
  if (failed !== undefined && afterPivot.length > 0) {
    const firstAfter = boxes[afterPivot[0]!.i + 1]!;
    line(
      [
        [firstAfter.x + 12, mid1],
        [failed.x - 1, mid1],
      ],
      'to-failed',
      'saga-arrow-soft',
      'Failed',
    );
    for (const { i } of afterPivot) {
      const box = boxes[i + 1]!;
      line(
        [
          [box.x + 12, box.y + box.h],
          [box.x + 12, mid1],
        ],
        'drop to-failed',
      );
    }
    const note = svg('text', { x: firstAfter.x + 16, y: mid1 - 6, class: 'lane-label' });
    note.textContent = 'retries exhausted → a person acts';
    edgeLayer.append(note);
  }
  // A compensation that exhausts its retries stops the rollback (strict reverse order): Failed.
  const fx = failed === undefined ? 0 : failed.x + failed.w / 2;
  if (failed !== undefined && givesUp) {
    const drops = stations.slice(1).map((box) => box.x + box.w - 12);
    for (const [k, box] of stations.slice(1).entries()) {
      line(
        [
          [drops[k]!, box.y + box.h],
          [drops[k]!, busY],
        ],
        'drop to-failed gives-up',
      );
    }
    const from = Math.min(...drops);
    line(
      [
        [from, busY],
        [fx, busY],
        [fx, failed.y + failed.h + 1],
      ],
      'to-failed gives-up',
      'saga-arrow-soft',
      'Failed',
    );
    const note = svg('text', { x: from + 6, y: busY + 13, class: 'lane-label' });
    note.textContent = 'a compensation gives up';
    // Left out where it would run into the words under Failed.
    if (from + 6 + textWidth(note.textContent, 11) < fx - textWidth('a person acts, then Retry', 11) / 2 - 8) {
      edgeLayer.append(note);
    }
  }
  if (failed !== undefined) {
    const personLabel = svg('text', {
      x: fx,
      y: givesUp ? busY + 13 : failed.y + failed.h + 13,
      class: 'lane-label',
    });
    personLabel.setAttribute('text-anchor', 'middle');
    personLabel.textContent = 'a person acts, then Retry';
    edgeLayer.append(personLabel);
  }
  const laneLabel = svg('text', { x: first.x + 4, y: mid1 - 23, class: 'lane-label' });
  laneLabel.textContent = stations.length > 1 ? '← undo, right to left' : 'nothing to undo';
  edgeLayer.append(laneLabel);

  if (pivotIndex !== -1) {
    const pivot = columns[pivotIndex + 1]!;
    const bx = pivot.x + pivot.w + COL_GAP / 2;
    const boundary = svg('g', { class: 'pivot-boundary', 'data-node': 'pivot-boundary' });
    boundary.append(svg('line', { x1: bx, y1: 6, x2: bx, y2: height - 8 }));
    // The label reads away from the edge it would run off.
    const leftward = bx + 250 > width;
    const label = svg('text', { x: leftward ? bx - 6 : bx + 6, y: 16, 'text-anchor': leftward ? 'end' : 'start' });
    label.textContent = '◆ pivot: nothing after this is undone';
    boundary.append(label);
    edgeLayer.append(boundary);
  }
  return { element: root, nodes, notes, width, height };
}
