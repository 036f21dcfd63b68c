import { CliError } from './CliError.js';

/** One JSON request to a server's API; an answer that is not 2xx becomes a CliError with its code and message. */
export type ApiCall = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** Requests to the server at `baseUrl`, with the bearer token when given. */
export function apiCall(baseUrl: string, token: string | undefined): ApiCall {
  const base = baseUrl.replace(/\/$/, '');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new CliError(`Cannot reach ${base}: ${(cause as Error).message}`);
    }
    const json = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    if (!response.ok) {
      throw new CliError(`${json.error?.code ?? response.status}: ${json.error?.message ?? response.statusText}`);
    }
    return json as T;
  };
}
