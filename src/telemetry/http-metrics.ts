import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { GatewayMetrics } from './metrics.js';

/** Routes that become label values; any other path is `other`, so scanners cannot grow the series. */
const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);
const METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD']);
/** A caller's request id is kept only when it is short and plain; anything else is replaced. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The header that carries a request's id, in requests (from a proxy) and in responses. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Express middleware, first in the chain: gives each request an id (the
 * caller's `X-Request-Id` when sane, else a new UUID), echoes it in the
 * response, and counts and times every response in `http_requests_total` and
 * `http_request_duration_seconds`.
 */
export function httpTelemetry(metrics: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const given = req.headers[REQUEST_ID_HEADER];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.headers[REQUEST_ID_HEADER] = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    const startedAt = process.hrtime.bigint();
    // Read now: routers mounted on a path rewrite req.url while they handle it.
    const route = ROUTES.has(req.path) ? req.path : 'other';
    res.once('close', () => {
      const labels = {
        method: METHODS.has(req.method) ? req.method : 'other',
        route,
        status_code: String(res.statusCode),
      };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - startedAt) / 1e9);
    });
    next();
  };
}
