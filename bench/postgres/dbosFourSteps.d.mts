/** Launches DBOS on `schema` of the database at `url`; `run(n)` runs one four-step workflow to its end. */
export function launchDbos(
  url: string,
  schema: string,
): Promise<{ run(n: number): Promise<number>; stop(): Promise<void> }>;
