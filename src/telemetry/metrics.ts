import { status as GrpcStatus } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UnaryCallObserver } from '../../platform/unary-client.js';

const GRPC_CODE_NAMES = Object.fromEntries(
  Object.entries(GrpcStatus)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
) as Record<number, string>;

/** What the overload gauges read at each scrape: the load shedder's count and its load sample. */
export interface OverloadSource {
  inFlight(): number;
  /** The estimated cost of the operations running now. */
  costInFlight(): number;
  load(): { eventLoopDelayMs: number; heapUsedPercent: number };
}

/** Most distinct operation names kept as label values; see `GatewayMetrics.operationLabel`. */
export const MAX_OPERATION_NAMES = 200;

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

  /**
   * The state of each service's circuit breaker: 0 closed (calls flow), 1 open
   * (calls fail at once), 2 half-open (one probe call is out), 3 isolated (held open by hand).
   */
  readonly circuitBreakerState = new Gauge({
    name: 'gateway_circuit_breaker_state',
    help: 'Circuit breaker state per upstream service: 0 closed, 1 open, 2 half-open, 3 isolated.',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });

  /** HTTP requests by method, route (`/graphql`, `/healthz`, ...; `other` for any other path) and status code. */
  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to finishing its response, by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /**
   * GraphQL operations by name, type and outcome (`success`, `partial`: data
   * with errors, `error`: no data). See `operationLabel` for which names become labels.
   */
  readonly graphqlOperations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations executed, by operation name, type and outcome.',
    labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'Duration of GraphQL operations, by operation name and type.',
    labelNames: ['operation_name', 'operation_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Keys per DataLoader batch, by loader (`usersById`): one batch is one RPC. */
  readonly dataLoaderBatchSize = new Histogram({
    name: 'gateway_dataloader_batch_size',
    help: 'Keys sent in one DataLoader batch (one batch RPC), by loader.',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  /** GraphQL requests the load shedder refused, by reason (`in-flight`, `client-in-flight`, `cost-in-flight`, `event-loop`, `heap`). */
  readonly loadShed = new Counter({
    name: 'gateway_load_shed_total',
    help: 'GraphQL requests refused with 503 by the load shedder, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** GraphQL requests admitted by the load shedder and not yet answered; read at each scrape. */
  readonly requestsInFlight = new Gauge({
    name: 'gateway_requests_in_flight',
    help: 'GraphQL requests this replica has admitted and not yet answered.',
    registers: [this.registry],
    collect: () => {
      if (this.overloadSource) this.requestsInFlight.set(this.overloadSource.inFlight());
    },
  });

  /** The estimated cost of the operations this replica runs now, weighed against `MAX_COST_IN_FLIGHT`; read at each scrape. */
  readonly costInFlight = new Gauge({
    name: 'gateway_cost_in_flight',
    help: 'Estimated cost of the GraphQL operations this replica is running.',
    registers: [this.registry],
    collect: () => {
      if (this.overloadSource) this.costInFlight.set(this.overloadSource.costInFlight());
    },
  });

  /** The event loop delay the load shedder compares with `SHED_EVENT_LOOP_DELAY_MS`: the mean over the last window. */
  readonly eventLoopDelay = new Gauge({
    name: 'gateway_event_loop_delay_seconds',
    help: 'Mean event loop delay over the last sampling window, as the load shedder sees it.',
    registers: [this.registry],
    collect: () => {
      if (this.overloadSource) this.eventLoopDelay.set(this.overloadSource.load().eventLoopDelayMs / 1_000);
    },
  });

  /** The heap use the load shedder compares with `SHED_HEAP_USED_PERCENT`, as a ratio of V8's heap limit. */
  readonly heapUsedRatio = new Gauge({
    name: 'gateway_heap_used_ratio',
    help: "Heap in use as a share (0-1) of V8's heap limit, as the load shedder sees it.",
    registers: [this.registry],
    collect: () => {
      if (this.overloadSource) this.heapUsedRatio.set(this.overloadSource.load().heapUsedPercent / 100);
    },
  });

  /** WebSocket connections (graphql-ws) open on this replica, acknowledged or not. */
  readonly websocketConnections = new Gauge({
    name: 'gateway_websocket_connections',
    help: 'WebSocket connections (GraphQL subscriptions) open on this replica.',
    registers: [this.registry],
  });

  /** GraphQL subscriptions running on this replica, by root field. */
  readonly subscriptionsActive = new Gauge({
    name: 'gateway_subscriptions_active',
    help: 'GraphQL subscriptions running on this replica, by root field.',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });

  /** Subscriptions refused before they started, by reason (`subscriptionsPerConnection`, `subscriptionsPerViewer`, `document`). */
  readonly subscriptionsRefused = new Counter({
    name: 'gateway_subscriptions_refused_total',
    help: 'GraphQL subscriptions refused before they started, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** WebSocket connections the gateway closed, by reason (`unauthorized`, `token-expired`, `token-rejected`, `account-changed`, `slow-consumer`, `shutdown`). */
  readonly websocketClosed = new Counter({
    name: 'gateway_websocket_closed_total',
    help: 'WebSocket connections the gateway closed itself, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  /** What the overload gauges read; see `watchOverload`. */
  private overloadSource: OverloadSource | null = null;

  /** Operation names that have become label values, up to `MAX_OPERATION_NAMES`. */
  private readonly operationNames = new Set<string>();

  constructor({ processMetrics = true }: { processMetrics?: boolean } = {}) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The label value for an operation name. Only names of operations that
   * parsed and validated against the schema can become labels, and only the
   * first `MAX_OPERATION_NAMES` of them: any client can send any name, and
   * each new label value is a new series kept for the life of the process.
   * Unnamed operations are `anonymous`; documents that do not validate are
   * `unknown`; names past the limit are `other`.
   */
  operationLabel(name: string | null | undefined, validated: boolean): string {
    if (!validated) return 'unknown';
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** Records one DataLoader batch; pass it to the loaders of each request. */
  readonly onLoaderBatch = (loader: string, size: number): void => {
    this.dataLoaderBatchSize.observe({ loader }, size);
  };

  /** Records a breaker's new state; pass it to `createServicePolicies`. */
  readonly onBreakerState = (service: string, state: number): void => {
    this.circuitBreakerState.set({ service }, state);
  };

  /** Counts one request refused by the load shedder; pass it to the `LoadShedder`. */
  readonly onLoadShed = (reason: string): void => {
    this.loadShed.inc({ reason });
  };

  /** Has the overload gauges read `source` at each scrape, so that they are never stale. */
  watchOverload(source: OverloadSource): void {
    this.overloadSource = source;
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
