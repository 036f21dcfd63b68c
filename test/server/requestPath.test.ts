import { request, Agent, type IncomingMessage } from 'node:http';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { defineSaga, step } from '../../src/index.js';
import { serve } from '../fixtures/http.js';

const quick = defineSaga({
  name: 'quick',
  version: 1,
  input: z.object({}),
  steps: [step('a', { run: () => 'a', compensate: () => undefined })],
});

const agents: Agent[] = [];
afterEach(() => {
  for (const agent of agents.splice(0)) agent.destroy();
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: any;
  readonly reusedSocket: boolean;
  readonly localPort: number | undefined;
}

/** One request through `agent`, read to the end. */
function send(agent: Agent, url: string, method: string, path: string, body?: unknown, origin?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      {
        method,
        agent,
        headers: {
          ...(text === undefined ? {} : { 'content-type': 'application/json' }),
          ...(origin === undefined ? {} : { origin }),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(data),
            reusedSocket: req.reusedSocket,
            localPort: req.socket?.localPort,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

describe('the request path', () => {
  it('should answer start-and-wait, the long-poll and a plain read on one kept-alive connection', async () => {
    const { url } = await serve([quick]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const started = await send(agent, url, 'POST', '/api/executions?wait=5000', {
      saga: 'quick',
      input: {},
      executionId: 'k-1',
    });
    const polled = await send(agent, url, 'GET', '/api/executions/k-1?wait=5000');
    const read = await send(agent, url, 'GET', '/api/executions/k-1');
    expect([started.status, polled.status, read.status]).toEqual([200, 200, 200]);
    expect(read.body).toMatchObject({ id: 'k-1', status: 'Completed', results: { a: 'a' } });
    expect([polled.reusedSocket, read.reusedSocket]).toEqual([true, true]);
    expect(new Set([started.localPort, polled.localPort, read.localPort]).size).toBe(1);
  });

  it('should send JSON with its length and charset, and keep the connection open', async () => {
    const { url } = await serve([quick]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    for (const path of ['/api/executions', '/api/executions?wait=5000']) {
      const answer = await send(agent, url, 'POST', path, { saga: 'quick', input: {} });
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(answer.body)));
      expect(answer.headers['transfer-encoding']).toBeUndefined();
      expect(answer.headers['connection']).toBe('keep-alive');
    }
  });

  it('should keep the CORS header an allowed origin needs on the answers of the fast path', async () => {
    const { url } = await serve([quick], { cors: ['https://app.example.com'] });
    const agent = new Agent({ keepAlive: true });
    agents.push(agent);
    const answer = await send(
      agent,
      url,
      'POST',
      '/api/executions?wait=5000',
      { saga: 'quick', input: {} },
      'https://app.example.com',
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(answer.headers['vary']).toBe('Origin');
  });
});
