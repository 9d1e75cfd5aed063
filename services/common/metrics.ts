import { status as GrpcStatus } from '@grpc/grpc-js';
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isRpcError } from './errors.js';
import type { Logger } from './logger.js';
import type { ServiceBinding } from './server.js';

const CODE_NAMES = Object.fromEntries(
  Object.entries(GrpcStatus)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
) as Record<number, string>;

/** A service's Prometheus metrics and the HTTP listener that serves them on `/metrics`. */
export interface ServiceMetrics {
  /** The same services, with every handler counted and timed. */
  observe(services: ServiceBinding[]): ServiceBinding[];
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves a service's metrics on `METRICS_ADDR` (`host:port`, for Prometheus to
 * scrape `/metrics`): `grpc_server_handled_total{method,code}`,
 * `grpc_server_handling_seconds{method}` (unary methods),
 * `grpc_server_streams_open{method}` (response streams), the default process
 * metrics, and whatever the service registered on `registry` (its events).
 * Returns null when `METRICS_ADDR` is unset: a service on a developer's
 * machine needs no second port.
 */
export async function startServiceMetrics(
  service: string,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  registry: Registry = new Registry(),
): Promise<ServiceMetrics | null> {
  const address = env.METRICS_ADDR?.trim();
  if (!address) return null;
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const handled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'RPCs handled, by method and gRPC status code.',
    labelNames: ['method', 'code'] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time spent handling RPCs, by method.',
    labelNames: ['method'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });

  const streamsOpen = new Gauge({
    name: 'grpc_server_streams_open',
    help: 'Response streams open now, by method.',
    labelNames: ['method'] as const,
    registers: [registry],
  });

  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, 'metrics collection failed');
        res.writeHead(500).end();
      },
    );
  });
  const colon = address.lastIndexOf(':');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(colon + 1)), address.slice(0, colon).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', () => resolve());
  });
  logger.info({ address }, `metrics on http://${address}/metrics`);

  return {
    address,
    observe(services) {
      return services.map(({ definition, implementation }) => {
        const observed: Record<string, (request: unknown, call: unknown) => Promise<unknown>> = {};
        for (const [key, handler] of Object.entries(implementation as Record<string, (request: unknown, call: unknown) => unknown>)) {
          const { path = key, responseStream = false } = (definition as Record<string, { path?: string; responseStream?: boolean }>)[key] ?? {};
          const method = path.slice(path.lastIndexOf('/') + 1);
          observed[key] = async (request, call) => {
            // A stream lasts as long as its caller watches: counted while open, not timed.
            let end: () => void;
            if (responseStream) {
              streamsOpen.inc({ method });
              end = () => streamsOpen.dec({ method });
            } else {
              end = seconds.startTimer({ method });
            }
            try {
              const response = await handler(request, call);
              handled.inc({ method, code: 'OK' });
              return response;
            } catch (error) {
              handled.inc({ method, code: isRpcError(error) ? (CODE_NAMES[error.code] ?? 'UNKNOWN') : 'INTERNAL' });
              throw error;
            } finally {
              end();
            }
          };
        }
        return { definition, implementation: observed } as unknown as ServiceBinding;
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
