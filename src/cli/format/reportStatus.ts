/** Prints `id: status`, or `{ id, status }` with --json. */
export const reportStatus = (
  values: Record<string, unknown>,
  out: (line: string) => void,
  id: string,
  status: string,
): void => out(values['json'] === true ? JSON.stringify({ id, status }) : `${id}: ${status}`);
