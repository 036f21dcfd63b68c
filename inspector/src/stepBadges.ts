import type { StepSummary } from './api.js';

/** `250ms`, `10s`, `5m`, `2h`, `1d`: a badge's duration. */
export function shortDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 6000) / 10}m`;
  if (ms < 86_400_000) return `${Math.round(ms / 360_000) / 10}h`;
  return `${Math.round(ms / 8_640_000) / 10}d`;
}

/** The badges of a step: what makes it wait, retry, time out or stop the rollback. */
export function stepBadges(step: StepSummary): string[] {
  const badges: string[] = [];
  if (step.kind === 'awaitEvent' && step.event !== undefined) badges.push(`awaits ${step.event}`);
  if (step.maxAttempts !== undefined && step.maxAttempts > 1) badges.push(`↻ ×${step.maxAttempts}`);
  if (step.timeoutMs !== undefined) badges.push(`timeout ${shortDuration(step.timeoutMs)}`);
  if (step.pivot === true) badges.push('◆ pivot');
  return badges;
}

/** The badge of a step done by a participant elsewhere: the subject its command is sent on. */
export const remoteBadge = (subject: string): string => `⇄ ${subject}`;

/** The subject a lane's node sends on, when a participant elsewhere does that work. */
export const remoteSubject = (step: StepSummary, lane: 'run' | 'undo'): string | undefined =>
  lane === 'run' ? step.remote?.run : step.remote?.compensate;
