import express, { type Express } from 'express';
import { httpTelemetry } from '../telemetry/http-metrics.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { ReadinessReport } from './readiness.js';

/** What the operational listener serves, supplied by the gateway it belongs to. */
export interface OperationalEndpoints {
  /** The registry behind `/metrics`; its HTTP counters also count the probes and scrapes. */
  metrics: GatewayMetrics;
  /** The report `/readyz` answers with, computed afresh for each probe. */
  readiness: () => Promise<ReadinessReport>;
}

/**
 * The report of a gateway that has begun to shut down: not ready, whatever its
 * parts say, so that its load balancer (a Kubernetes readiness probe) stops
 * sending it requests while those in flight drain.
 */
export const DRAINING: ReadinessReport = { ready: false, failing: ['draining'], degraded: [] };

/**
 * The operational endpoints, as an Express app for a listener of their own
 * (`ADMIN_HOST:ADMIN_PORT`, loopback by default) rather than the public port:
 * `/metrics` names operations, RPCs and the process's heap, and `/readyz` names
 * the services behind the gateway, none of which clients should read.
 *
 * - `GET /healthz`: 200 `{"status":"ok"}` while the process runs (liveness).
 * - `GET /readyz`: 200 or 503 with the `ReadinessReport` (readiness).
 * - `GET /metrics`: the Prometheus text exposition of `metrics.registry`.
 *
 * Anything else is Express's plain 404.
 */
export function operationalApp({ metrics, readiness }: OperationalEndpoints): Express {
  const app = express();
  app.disable('x-powered-by');
  // As on the public listener: every probe and scrape is counted and carries a request id.
  app.use(httpTelemetry(metrics));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await readiness();
    res.status(report.ready ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}
