import { isIP } from 'node:net';
import { HttpError } from './HttpError.js';
import type { Refusal } from './Refusal.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a bind or socket address is on the loopback interface. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** `localhost`, `127.0.0.1` or `[::1]`, with or without a port. */
function isLoopbackHost(host: string): boolean {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host.toLowerCase());
  return match?.[1] !== undefined && LOOPBACK_NAMES.has(match[1]);
}

/**
 * Refuses a request that reached a loopback-bound server under another host
 * name: that is DNS rebinding (a page on evil.example whose name now resolves
 * to 127.0.0.1), the way a web page reads or drives a local server: the 403
 * to answer, or undefined when the request may go on.
 *
 * @param bindHost The address the server listens on; when undefined, the
 *   address each connection arrived at decides.
 */
export function loopbackHostRefusal(bindHost: string | undefined): Refusal {
  const boundToLoopback = bindHost === undefined ? undefined : isLoopbackAddress(bindHost);
  return (req) => {
    if (!(boundToLoopback ?? isLoopbackAddress(req.socket.localAddress ?? ''))) return undefined;
    const host = req.headers.host ?? '';
    if (isLoopbackHost(host)) return undefined;
    return new HttpError(
      403,
      'FORBIDDEN_HOST',
      `Host "${host}" is refused: this server listens on loopback and answers only to localhost, 127.0.0.1 or [::1]`,
    );
  };
}
