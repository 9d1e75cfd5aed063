import { status as GrpcStatus } from '@grpc/grpc-js';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UnaryCallObserver } from '../grpc/unary-client.js';

const GRPC_CODE_NAMES = Object.fromEntries(
  Object.entries(GrpcStatus)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
) as Record<number, string>;

/**
 * The gateway's Prometheus metrics. Each gateway instance owns its registry,
 * so several can run in one process (as the tests do) without clashing.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  /** Every RPC the gateway sends, by service, method and gRPC status code name. */
  readonly grpcClientCalls = new Counter({
    name: 'gateway_grpc_client_calls_total',
    help: 'RPCs sent to upstream services, by service, method and gRPC status code.',
    labelNames: ['service', 'method', 'code'] as const,
    registers: [this.registry],
  });

  readonly grpcClientDuration = new Histogram({
    name: 'gateway_grpc_client_duration_seconds',
    help: 'Duration of RPCs to upstream services, by service and method.',
    labelNames: ['service', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor({ processMetrics = true }: { processMetrics?: boolean } = {}) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** An observer for one service's client that records its calls here. */
  grpcObserver(service: string): UnaryCallObserver {
    return {
      onCall: (path) => {
        const method = path.slice(path.lastIndexOf('/') + 1);
        const end = this.grpcClientDuration.startTimer({ service, method });
        return (error) => {
          end();
          this.grpcClientCalls.inc({ service, method, code: GRPC_CODE_NAMES[error?.code ?? GrpcStatus.OK] ?? 'UNKNOWN' });
        };
      },
    };
  }
}
