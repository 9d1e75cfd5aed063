import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Demand control's metrics, in the gateway's registry: the estimated cost of
 * every operation, the work each request did (RPCs, list items), and every
 * limit an operation went over, by limit and action.
 */
export class DemandControlMetrics {
  /** Estimated cost per operation, by name (bounded like every operation label) and type. */
  readonly operationCost: Histogram<'operation_name' | 'operation_type'>;
  /** Operations over a limit: `cost`, `costBudget`, `depth`, `aliases`, ..., `rpcs`, `items`, `responseBytes`. */
  readonly overLimit: Counter<'limit' | 'action'>;
  /** RPCs each request sent: the work the estimate stood for. */
  readonly requestRpcs: Histogram;
  /** List items and batch keys each request resolved. */
  readonly requestItems: Histogram;

  constructor(registry: Registry) {
    this.operationCost = new Histogram({
      name: 'graphql_operation_cost',
      help: 'Estimated cost of GraphQL operations (@cost and @listSize), by operation name and type.',
      labelNames: ['operation_name', 'operation_type'] as const,
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 100_000, 1_000_000],
      registers: [registry],
    });
    this.overLimit = new Counter({
      name: 'graphql_operations_over_limit_total',
      help: 'Operations over a demand-control limit, by limit and action (refused, or logged in measure mode).',
      labelNames: ['limit', 'action'] as const,
      registers: [registry],
    });
    this.requestRpcs = new Histogram({
      name: 'gateway_request_rpcs',
      help: 'RPCs sent for one GraphQL request, retries included.',
      buckets: [0, 1, 2, 3, 5, 10, 20, 50, 100, 200],
      registers: [registry],
    });
    this.requestItems = new Histogram({
      name: 'gateway_request_items',
      help: 'List items and batch keys resolved for one GraphQL request.',
      buckets: [0, 1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 20_000, 50_000],
      registers: [registry],
    });
  }
}
