import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BIN, serveProcess } from './fixtures/serveProcess.js';
import { until } from './fixtures/until.js';
import { CliError } from '../src/cli/CliError.js';
import { importOptional, OTLP_PACKAGES } from '../src/cli/otlp.js';

describe('serve --otlp', () => {
  it('should send the spans of a saga to an OTLP/HTTP endpoint', async () => {
    const received: { path: string; body: string }[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const address = collector.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const { server, url, output } = await serveProcess(['--otlp', endpoint]);
    try {
      expect(output).toContain(`sending traces and metrics to ${endpoint}`);
      const run = spawnSync(
        process.execPath,
        [BIN, 'run', 'quick', '--input', '{"outcome":"compensate"}', '--url', url],
        { encoding: 'utf8', timeout: 90_000 },
      );
      expect(run.status).toBe(2);
      const traces = () =>
        received
          .filter((r) => r.path === '/v1/traces')
          .map((r) => r.body)
          .join('\n');
      await until(() => traces().includes('saga.compensate reserve'));
      expect(traces()).toContain('saga.step charge');
      expect(traces()).toContain('saga.compensate reserve');
      expect(traces()).toContain('saga.compensate_for');
    } finally {
      server.kill('SIGTERM');
      collector.close();
    }
  });

  it('should name each missing optional package and the command that installs them', async () => {
    const wanted = ['@opentelemetry/api', 'sagachart-not-installed-exporter'] as const;
    const failure = importOptional(wanted, '--otlp (telemetry export)');
    await expect(failure).rejects.toBeInstanceOf(CliError);
    await expect(failure).rejects.toThrow(
      '--otlp (telemetry export) needs sagachart-not-installed-exporter, not installed (optional peer dependencies of sagachart). ' +
        'Install them beside sagachart: npm install @opentelemetry/api sagachart-not-installed-exporter',
    );
  });

  it('should keep the OpenTelemetry SDK out of a plain install: optional peer dependencies only', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const name of OTLP_PACKAGES) {
      expect(pkg.dependencies).not.toHaveProperty(name);
      expect(pkg.peerDependencies).toHaveProperty(name);
      expect(pkg.peerDependenciesMeta[name]?.optional).toBe(true);
    }
  });
});
