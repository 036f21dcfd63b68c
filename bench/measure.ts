/** Runs `total` jobs with at most `concurrency` in flight; returns jobs per second. */
export async function throughput(
  total: number,
  concurrency: number,
  job: (n: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const n = next;
      next += 1;
      await job(n);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return total / ((performance.now() - started) / 1000);
}

/** p50 and p99 of the durations of `total` sequential jobs, in ms. */
export async function latencies(
  total: number,
  job: (n: number) => Promise<void>,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let n = 0; n < total; n += 1) {
    const started = performance.now();
    await job(n);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

export const round = (x: number, digits = 0): string => x.toFixed(digits);
