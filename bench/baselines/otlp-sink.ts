/**
 * An OTLP/HTTP endpoint that accepts every export and discards it: what the
 * production-like gateway of the bench (`feed-50-prod`) sends its spans to,
 * so that it pays for tracing as it would with a collector, without one.
 * `GET /stats` says how many exports and bytes it took, so the bench can
 * show that spans really went out.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../../src/http/listeners.js';
import type { BaselineServer, BaselineServerOptions } from './feed.js';

/** What the sink has taken so far. */
export interface SinkStats {
  exports: number;
  bytes: number;
}

export async function startOtlpSink(options: Omit<BaselineServerOptions, 'env'> = {}): Promise<BaselineServer & { stats(): SinkStats }> {
  const stats: SinkStats = { exports: 0, bytes: 0 };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    req.on('data', (chunk: Buffer) => (stats.bytes += chunk.length));
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/v1/')) stats.exports += 1;
      // An empty ExportTraceServiceResponse: every span accepted.
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1', 'the OTLP sink');
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
