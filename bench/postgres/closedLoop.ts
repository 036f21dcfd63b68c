/** What one process did in one measured window. */
export interface Window {
  /** Sagas that finished inside the window. */
  readonly completed: number;
  /** How long the window lasted (ms). */
  readonly ms: number;
  /** Start-to-finish latency percentiles of the completed sagas (ms); null when none completed. */
  readonly p50: number | null;
  readonly p99: number | null;
  /** CPU this process used in the window (ms, user + system). */
  readonly cpuMs: number;
  readonly failed: number;
}

const percentile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;

/**
 * `lanes` clients, each running one saga to its end and then the next, for `ms`: the sagas
 * that finish inside the window count; those still in flight at its end finish uncounted
 * before this resolves, so the next window starts on a quiet engine.
 */
export async function closedLoop(run: (n: number) => Promise<unknown>, ms: number, lanes: number): Promise<Window> {
  const times: number[] = [];
  let failed = 0;
  let n = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + ms;
  let cpuMs = 0;
  const lane = async () => {
    while (performance.now() < end) {
      n += 1;
      const t = performance.now();
      try {
        await run(n);
      } catch {
        failed += 1;
        continue;
      }
      const now = performance.now();
      if (now <= end) times.push(now - t);
    }
  };
  const all = Promise.all(Array.from({ length: lanes }, lane));
  // CPU up to the end of the window, not the drain after it.
  const timer = setTimeout(() => {
    const used = process.cpuUsage(cpu);
    cpuMs = (used.user + used.system) / 1000;
  }, ms);
  await all;
  clearTimeout(timer);
  if (cpuMs === 0) {
    const used = process.cpuUsage(cpu);
    cpuMs = (used.user + used.system) / 1000;
  }
  times.sort((a, b) => a - b);
  return { completed: times.length, ms, p50: percentile(times, 0.5), p99: percentile(times, 0.99), cpuMs, failed };
}
