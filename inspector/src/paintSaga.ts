import type { JournalEntry, SagaSummary } from './api.js';
import type { SagaDiagram } from './sagaDiagram.js';

const FATES = ['running', 'waiting', 'backoff', 'done', 'failed', 'gaveup', 'compensated', 'current', 'reached'];

type Fate = 'running' | 'waiting' | 'backoff' | 'done' | 'failed';

const flag = (data: unknown, name: string): unknown =>
  typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[name] : undefined;

/**
 * Paints what the execution did on the saga view, from its journal up to an
 * entry: each step's and compensation's fate, the attempt it is at, the end
 * reached, and the node that moved last (the scrubber repaints any prefix).
 */
export function paintSaga(diagram: SagaDiagram, saga: SagaSummary, entries: readonly JournalEntry[]): void {
  for (const node of diagram.nodes.values()) node.classList.remove(...FATES);
  for (const note of diagram.notes.values()) note.textContent = '';
  const awaits = new Set<string>();
  const groups = new Map<string, string[]>();
  for (const s of saga.steps) {
    if (s.kind === 'awaitEvent') awaits.add(s.name);
    if (s.kind === 'parallel')
      groups.set(
        s.name,
        (s.branches ?? []).map((b) => b.name),
      );
  }
  const fates = new Map<string, Fate>();
  // A journal from another version of the saga may name steps this drawing lacks.
  const setNote = (key: string, text: string) => {
    const note = diagram.notes.get(key);
    if (note !== undefined) note.textContent = text;
  };
  const compensatedSteps = new Set<string>();
  let current: string | undefined;
  let end: string | undefined;
  for (const e of entries) {
    const run = `run:${e.step ?? ''}`;
    const undo = `undo:${e.step ?? ''}`;
    switch (e.type) {
      case 'StepStarted':
        fates.set(run, awaits.has(e.step ?? '') ? 'waiting' : 'running');
        setNote(run, (e.attempt ?? 1) > 1 ? `attempt ${e.attempt}` : '');
        current = run;
        break;
      case 'StepCompleted':
      case 'EventReceived':
        fates.set(run, 'done');
        current = run;
        break;
      case 'StepFailed':
        fates.set(run, 'failed');
        setNote(run, `attempt ${e.attempt ?? 1} failed`);
        current = run;
        break;
      case 'StepRetryScheduled': {
        const key = flag(e.data, 'compensation') === true ? undo : run;
        fates.set(key, 'backoff');
        const note = diagram.notes.get(key);
        if (note !== undefined) note.textContent = `retry: attempt ${e.attempt ?? '?'}`;
        current = key;
        break;
      }
      case 'CompensationStarted':
        fates.set(undo, 'running');
        setNote(undo, (e.attempt ?? 1) > 1 ? `attempt ${e.attempt}` : '');
        current = undo;
        break;
      case 'StepCompensated':
        fates.set(undo, 'done');
        compensatedSteps.add(e.step ?? '');
        current = undo;
        break;
      case 'CompensationFailed':
        fates.set(undo, 'failed');
        setNote(undo, `attempt ${e.attempt ?? 1} failed`);
        current = undo;
        break;
      case 'SagaCompleted':
        end = 'Completed';
        break;
      case 'SagaCompensated':
        end = 'Compensated';
        break;
      case 'SagaFailed': {
        end = 'Failed';
        const step = flag(e.data, 'step');
        const phase = flag(e.data, 'phase');
        if (typeof step === 'string') {
          const key = `${phase === 'Compensating' ? 'undo' : 'run'}:${step}`;
          diagram.nodes.get(key)?.classList.add('gaveup');
          current = key;
        }
        break;
      }
      case 'ManualRetry':
        end = undefined;
        for (const node of diagram.nodes.values()) node.classList.remove('gaveup');
        break;
    }
  }
  for (const [key, fate] of fates) diagram.nodes.get(key)?.classList.add(fate);
  // A group takes the fate of its branches: failed if one failed, done when all are.
  for (const [group, branches] of groups) {
    for (const lane of ['run', 'undo']) {
      const seen = branches.map((b) => fates.get(`${lane}:${b}`));
      const node = diagram.nodes.get(`${lane}:${group}`);
      if (node === undefined || seen.every((f) => f === undefined)) continue;
      if (seen.includes('failed')) node.classList.add('failed');
      else if (seen.every((f) => f === 'done' || (lane === 'undo' && f === undefined))) node.classList.add('done');
      else node.classList.add('running');
    }
  }
  for (const step of compensatedSteps) diagram.nodes.get(`run:${step}`)?.classList.add('compensated');
  if (end !== undefined) {
    diagram.nodes.get(end)?.classList.add('reached', 'current');
    diagram.nodes.get('start')?.classList.add('done');
  } else if (current !== undefined) diagram.nodes.get(current)?.classList.add('current');
  if (entries.length > 0) diagram.nodes.get('start')?.classList.add('done');
}
