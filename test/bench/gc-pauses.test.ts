import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { gcPauses, scrapeMetrics } from '../../bench/measure.js';

/** Serves `registry` as a `/metrics` page over a real HTTP server, as the gateway's operational listener does. */
async function serve(registry: Registry): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server };
}

describe("the bench's reading of a process's garbage collection pauses", () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
  });

  it('sums pauses of every kind and counts those over 10 ms from the histogram buckets', async () => {
    const registry = new Registry();
    // The name, label and buckets of prom-client's default GC metric.
    const histogram = new Histogram({ name: 'nodejs_gc_duration_seconds', help: 'GC', labelNames: ['kind'], buckets: [0.001, 0.01, 0.1, 1, 2, 5], registers: [registry] });
    histogram.observe({ kind: 'minor' }, 0.004);
    histogram.observe({ kind: 'minor' }, 0.02);
    histogram.observe({ kind: 'major' }, 0.3);
    histogram.observe({ kind: 'incremental' }, 0.0005);
    const { url, server } = await serve(registry);
    servers.push(server);

    const pauses = gcPauses(await scrapeMetrics(url));
    assert.ok(pauses);
    assert.equal(pauses.count, 4);
    assert.equal(pauses.over10ms, 2);
    assert.ok(Math.abs(pauses.seconds - 0.3245) < 1e-9, `seconds: ${pauses.seconds}`);
  });

  it("reads the pauses a real Node process reports through prom-client's default metrics", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const { url, server } = await serve(registry);
    servers.push(server);
    const before = gcPauses(await scrapeMetrics(url));
    assert.ok(before, 'the default metrics declare the GC histogram');

    // Short-lived garbage well beyond any young generation: the collector must run.
    let kept = 0;
    for (let i = 0; i < 2_000; i++) kept += new Array(10_000).fill(i).length;
    assert.equal(kept, 20_000_000);
    // Pauses reach the histogram through a PerformanceObserver, after the fact.
    await delay(50);

    const later = gcPauses(await scrapeMetrics(url));
    assert.ok(later);
    assert.ok(later.count > before.count, `pauses before ${before.count}, after ${later.count}`);
    assert.ok(later.seconds > before.seconds);
    assert.ok(later.over10ms >= before.over10ms && later.over10ms <= later.count);
  });

  it('is null for a page without the GC histogram, as a process without default metrics serves', async () => {
    const registry = new Registry();
    new Histogram({ name: 'gateway_request_duration_seconds', help: 'requests', registers: [registry] }).observe(0.5);
    const { url, server } = await serve(registry);
    servers.push(server);
    assert.equal(gcPauses(await scrapeMetrics(url)), null);
  });
});
