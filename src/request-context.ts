import type { Request } from 'express';
import type { IncomingMessage } from 'node:http';
import { identityMetadata } from '../platform/identity.js';
import type { Viewer } from './auth/viewer.js';
import type { SharedState } from './cache/shared-state.js';
import type { GatewayConfig } from './config/index.js';
import type { GatewayContext } from './context.js';
import type { DemandControl } from './demand-control/index.js';
import { InternalServerError } from './errors.js';
import type { ServiceApiTemplates } from './grpc/service-apis.js';
import { createServiceStreams } from './grpc/service-streams.js';
import type { ServiceClients } from './grpc/service-clients.js';
import { DegradedErrors } from './http/degraded-errors.js';
import { addressLimits, clientIp } from './rate-limit/middleware.js';
import { createSources } from './sources/index.js';
import type { ProfileCache } from './sources/profiles/index.js';
import { CallRecorder } from './telemetry/calls.js';
import { REQUEST_ID_HEADER } from './telemetry/http-metrics.js';
import type { Logger } from './telemetry/logger.js';
import type { GatewayMetrics } from './telemetry/metrics.js';

/**
 * What `createRequestContext` needs from the gateway: the parts that live as
 * long as the gateway and are shared by every request. Each is narrowed to
 * what a context uses, so a test can build one with stand-ins.
 */
export interface RequestContextDependencies {
  /**
   * The settings a context reads: the request's time budget, the RPC timeout,
   * the service secret, and whether this is production (which decides who sees `extensions.calls`).
   */
  config: Pick<GatewayConfig, 'rpcTimeoutMs' | 'serviceSecret' | 'production'> & {
    resilience: Pick<GatewayConfig['resilience'], 'requestBudgetMs'>;
    subscriptions: Pick<GatewayConfig['subscriptions'], 'bufferEvents'>;
  };
  /** One client per service, created once by the gateway (the streams of subscriptions use them directly). */
  clients: ServiceClients;
  /** The clients' unary methods, behind each service's breaker, bulkhead and retry policy, made once by the gateway. */
  serviceApis: ServiceApiTemplates;
  /** The rate-limit counters, shared by every replica. */
  shared: Pick<SharedState, 'rateLimits'>;
  /** The profile cache, shared by every request (and, through its store, every replica). */
  profiles: ProfileCache;
  /** Hands each request its execution budget. */
  demand: Pick<DemandControl<GatewayContext>, 'budget'>;
  /** Counts loader batches by size. */
  metrics: Pick<GatewayMetrics, 'onLoaderBatch'>;
  /**
   * The request's verified viewer, or null when it sent no token; rejects when
   * the token does not verify. The gateway remembers the answer per request,
   * as the shedder and the rate limiter asked for it before.
   */
  viewerOf: (req: IncomingMessage) => Promise<Viewer | null>;
  /** Where a context that could not be built is logged. */
  logger: Logger;
}

/**
 * Builds the `GatewayContext` of one GraphQL request, as Apollo Server's
 * `context` function: the request's time budget (started now), its verified
 * viewer, its execution budget, its call recorder, the service APIs that carry
 * its identity metadata and deadlines, the data sources over them (with their
 * loaders), its per-field limits and who pays for its cost.
 *
 * A token that does not verify rejects with its own error (UNAUTHENTICATED, or
 * SERVICE_UNAVAILABLE when the keys cannot be fetched). Any other failure is a
 * bug: it is logged with the request id and rejects with INTERNAL_SERVER_ERROR,
 * as Apollo Server answers a failed context with a 500 and calls no plugin
 * that could log it.
 *
 * @example
 * expressMiddleware(apollo, { context: ({ req }) => createRequestContext(dependencies, req) });
 */
export async function createRequestContext(dependencies: RequestContextDependencies, req: Request): Promise<GatewayContext> {
  const { config, logger } = dependencies;
  // The request's time budget starts now; every RPC deadline is cut from what is left of it.
  const budgetEndsAt = Date.now() + config.resilience.requestBudgetMs;
  const viewer = await dependencies.viewerOf(req);
  try {
    const address = clientIp(req);
    return buildContext(dependencies, viewer, budgetEndsAt, { address, idempotencyKey: idempotencyKeyHeader(req.headers['idempotency-key']) });
  } catch (error) {
    // Apollo Server answers a failed context with a 500 and calls no plugin that could log it.
    logger.error({ err: error, requestId: req.headers[REQUEST_ID_HEADER] }, 'context creation failed');
    throw new InternalServerError(undefined, error);
  }
}

/**
 * The `GatewayContext` of one piece of subscription work: starting a
 * subscription (its `subscribe` resolver, its permission rule), or resolving
 * one of its events. Each gets its own, as a request does: fresh loaders (an
 * event never sees what an earlier one cached), its own execution budget and
 * time budget, and the viewer the connection verified. `clientAddress` is the
 * connection's peer.
 */
export function createSubscriptionContext(dependencies: RequestContextDependencies, viewer: Viewer, clientAddress: string): GatewayContext {
  const budgetEndsAt = Date.now() + dependencies.config.resilience.requestBudgetMs;
  return buildContext(dependencies, viewer, budgetEndsAt, { address: clientAddress, idempotencyKey: null });
}

/** What a context takes from the client's side of the connection. */
interface ClientEdge {
  /** The client's address: who pays when there is no viewer, and whose sign-in attempts are counted. */
  address: string;
  idempotencyKey: string | null;
}

/** The context itself, once the viewer is known; see `GatewayContext` for what each part is for. */
function buildContext(dependencies: RequestContextDependencies, viewer: Viewer | null, budgetEndsAt: number, client: ClientEdge): GatewayContext {
  const { config, clients, serviceApis, shared, demand, metrics } = dependencies;
  const budget = demand.budget();
  const calls = CallRecorder.forRequest(config.production, viewer);
  // The service secret goes with every call, anonymous viewer or not: services refuse
  // any call without it, and act on the viewer's identity only because it vouches for it.
  const metadata = identityMetadata(config.serviceSecret, viewer && { userId: viewer.id, roles: viewer.roles });
  const services = serviceApis.forRequest({ budget, calls, budgetEndsAt, rpcTimeoutMs: config.rpcTimeoutMs, metadata });
  const streams = createServiceStreams(clients, { metadata, maxBuffered: config.subscriptions.bufferEvents });
  return {
    viewer,
    signedIn: new Set<string>(),
    sources: createSources({ services, streams, viewer, budget, onBatch: metrics.onLoaderBatch, profileCache: dependencies.profiles, calls }),
    degraded: new DegradedErrors(),
    idempotencyKey: client.idempotencyKey,
    limits: addressLimits(shared.rateLimits, client.address),
    budget,
    payer: viewer ? { key: `user:${viewer.id}`, signedIn: true } : { key: `ip:${client.address}`, signedIn: false },
    calls,
  };
}

/** The `Idempotency-Key` header's value, or null when absent or empty; a repeated header counts once. */
function idempotencyKeyHeader(value: string | string[] | undefined): string | null {
  const key = (Array.isArray(value) ? value[0] : value)?.trim();
  return key ? key : null;
}
