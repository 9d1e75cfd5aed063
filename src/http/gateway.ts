import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler } from 'express';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identityMetadata } from '../../services/common/identity.js';
import { TokenVerifier } from '../auth/verify-token.js';
import type { Viewer } from '../auth/viewer.js';
import type { GatewayConfig } from '../config/index.js';
import type { GatewayContext } from '../context.js';
import { formatGatewayError, GatewayErrorCode } from '../errors.js';
import { createServiceApis } from '../grpc/service-apis.js';
import { closeServiceClients, createServiceClients, type ServiceClients } from '../grpc/service-clients.js';
import { createLoaders } from '../loaders/index.js';
import { createServicePolicies, type ServicePolicies } from '../resilience/policies.js';
import { buildSchema } from '../schema.js';
import { operationTypeExists } from '../validation/operation-types.js';
import { boundedDocumentStore, createDemandControl } from '../demand-control/index.js';
import { GatewayMetrics } from '../telemetry/metrics.js';
import { createGatewayLogger, type Logger } from '../telemetry/logger.js';
import { telemetryPlugin } from '../telemetry/graphql-plugin.js';
import { httpTelemetry } from '../telemetry/http-metrics.js';
import { graphqlOperationSpan } from '../telemetry/tracing.js';
import { DegradedErrors, degradedErrorsPlugin } from './degraded-errors.js';
import { answerClientErrors } from './client-errors.js';
import { errorLoggingPlugin } from './error-logging.js';
import { requestErrorStatusPlugin } from './status-codes.js';
import { refuseUnacceptable } from './not-acceptable.js';
import { readiness, sharedStateChecks } from './readiness.js';
import { createSharedState } from '../cache/shared-state.js';
import type { RedisConnection } from '../cache/redis.js';
import { clientIp, rateLimitRequests, requestLimits } from '../rate-limit/middleware.js';
import { createOverloadProtection, type SampleLoad } from '../overload/index.js';
import { loadTrustedDocuments, requireTrustedDocuments } from '../persisted-queries/trusted-documents.js';

/** A running gateway. */
export interface Gateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  readonly port: number;
  readonly metrics: GatewayMetrics;
  readonly clients: ServiceClients;
  /** Each service's breaker, bulkhead and retry policy, shared by every request. */
  readonly policies: ServicePolicies;
  /** The connection to Redis for shared state, or null on the in-memory stand-ins. */
  readonly redis: RedisConnection | null;
  /** Stops accepting requests, lets those in flight finish, then closes every channel. */
  stop(): Promise<void>;
}

export interface StartGatewayOptions {
  logger?: Logger;
  /** Record process metrics (CPU, memory, event loop); off when several gateways share a process. */
  processMetrics?: boolean;
  /** The clock of the in-memory stand-ins for Redis (cache and persisted-query expiry). */
  now?: () => number;
  /** The clock access tokens are checked against (`exp`, `nbf`) and the JWKS cache ages by. */
  tokenClock?: () => number;
  /** Where the load shedder reads the event loop delay and heap use; by default sampled from this process. */
  sampleLoad?: SampleLoad;
}

/**
 * Starts the gateway: Apollo Server on Express at `/graphql`, plus `/healthz`,
 * `/readyz` and `/metrics`, over one gRPC channel per upstream service.
 */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createGatewayLogger(config.logLevel);
  const metrics = new GatewayMetrics({ processMetrics: options.processMetrics ?? true });
  const overload = createOverloadProtection(config.overload, { metrics, sampleLoad: options.sampleLoad });
  const clients = createServiceClients(config.serviceAddresses, metrics);
  // Breakers and bulkheads are shared by every request: a service's health is learnt across requests.
  const policies = createServicePolicies(config.resilience, metrics.onBreakerState);
  const tokens = new TokenVerifier(config.tokens, { keys: config.tokenKeys, now: options.tokenClock });
  const shared = await createSharedState(config, { registry: metrics.registry, logger, now: options.now });
  const trustedDocuments =
    config.persistedQueries.mode === 'trusted' && config.persistedQueries.trustedDocumentsFile
      ? loadTrustedDocuments(config.persistedQueries.trustedDocumentsFile)
      : null;

  // The rate limiter and the context both need the viewer: verify each token once per request.
  const viewers = new WeakMap<IncomingMessage, Promise<Viewer | null>>();
  const viewerOf = (req: IncomingMessage): Promise<Viewer | null> => {
    let viewer = viewers.get(req);
    if (!viewer) {
      viewer = tokens.viewerFromHeader(req.headers.authorization);
      viewers.set(req, viewer);
    }
    return viewer;
  };

  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For sets req.ip only when it comes from a proxy TRUST_PROXY names.
  app.set('trust proxy', config.trustProxy);
  // First, so that every response (probes, scrapes, refused bodies) is counted and carries a request id.
  app.use(httpTelemetry(metrics));
  const httpServer = createServer(
    {
      // Slow clients (a body sent a byte at a time) would each hold a connection and a place in flight.
      headersTimeout: config.overload.headersTimeoutMs,
      requestTimeout: config.overload.requestTimeoutMs,
      keepAliveTimeout: config.overload.keepAliveTimeoutMs,
      // Node checks those two timeouts only this often (30 s by default), so a slow request would live that much longer.
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    },
    app,
  );
  answerClientErrors(httpServer);

  const schema = buildSchema();
  // Every request's work is bounded before it runs (structure, estimated cost,
  // cost budget) and while it runs (RPCs, list items, response size).
  const demand = createDemandControl<GatewayContext>(config.demandControl, {
    schema,
    rateLimits: shared.rateLimits,
    registry: metrics.registry,
    operationLabel: (name, validated) => metrics.operationLabel(name, validated),
    logger,
    production: config.production,
    costInFlight: overload.costInFlight,
  });

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    // Parsed documents are cached by what they hold, their query text included.
    documentStore: boundedDocumentStore(),
    parseOptions: demand.parseOptions,
    validationRules: [operationTypeExists, ...demand.validationRules],
    stringifyResult: demand.stringifyResult,
    // Sandbox and introspection help developers explore the graph; in
    // production they would hand the whole schema to anyone who asks.
    introspection: !config.production,
    // The process entry point owns signals: it drains and exits 0 itself.
    stopOnTerminationSignals: false,
    // Without introspection, "did you mean" hints would still reveal field names.
    hideSchemaDetailsFromClientErrors: config.production,
    // Stack traces go to the log (see errorLoggingPlugin), never into responses.
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => formatGatewayError(formatted, error, config.production),
    logger,
    // Automatic persisted queries, shared by replicas through Redis. Trusted-documents
    // mode fills in listed documents itself, before Apollo Server sees the request.
    persistedQueries:
      config.persistedQueries.mode === 'apq' ? { cache: shared.persistedQueries, ttl: config.persistedQueries.ttlSeconds } : false,
    plugins: [
      // On stop: refuse new connections, let requests in flight finish within the grace period.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
      demand.plugin,
      degradedErrorsPlugin<GatewayContext>(config.production),
      errorLoggingPlugin(logger),
      telemetryPlugin<GatewayContext>(metrics, logger),
      // GraphQL over HTTP: a refused document is 200 under application/json, 400 under application/graphql-response+json.
      requestErrorStatusPlugin<GatewayContext>(),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    // Redis (and the limiter's writes to it) make the gateway unready only when
    // requests fail without them (rate limiting fails closed); otherwise they
    // are reported as degraded.
    const checks = sharedStateChecks(shared.redis, shared.rateLimits, config.rateLimits.failMode);
    // Overloaded (event loop or heap), the replica asks its load balancer for less traffic; /readyz itself is never shed.
    const report = await readiness(clients, 1_000, { ...checks, load: overload.readinessCheck });
    res.status(report.ready ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(
    '/graphql',
    graphqlOperationSpan('/graphql'),
    cors(config.corsOrigins === '*' ? {} : { origin: config.corsOrigins }),
    // Before the rate limiter and the body parser, so that a shed request costs almost nothing;
    // after CORS (no I/O), so that browsers can read the 503. Fair by viewer, else by address.
    overload.shedRequests(async (req) => {
      const viewer = await viewerOf(req).catch(() => null);
      return viewer ? `user:${viewer.id}` : `ip:${clientIp(req)}`;
    }),
    rateLimitRequests(shared.rateLimits, async (req) => (await viewerOf(req))?.id ?? null),
    express.json({ limit: config.maxBodyBytes }),
    refuseUnacceptable,
    // Trusted documents sent by hash are filled in after this, so only text a client sends is limited.
    demand.limitQueryLength,
    ...(trustedDocuments ? [requireTrustedDocuments(trustedDocuments)] : []),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        // The request's time budget starts now; every RPC deadline is cut from what is left of it.
        const budgetEndsAt = Date.now() + config.resilience.requestBudgetMs;
        const viewer = await viewerOf(req);
        const budget = demand.budget();
        const services = createServiceApis(clients, {
          budget,
          policies,
          budgetEndsAt,
          rpcTimeoutMs: config.rpcTimeoutMs,
          // Services act on this identity only because the service secret vouches for it.
          metadata: identityMetadata(config.serviceSecret, viewer && { userId: viewer.id, roles: viewer.roles }),
        });
        return {
          viewer,
          signedIn: new Set<string>(),
          services,
          loaders: createLoaders(services, viewer, metrics.onLoaderBatch, budget),
          degraded: new DegradedErrors(),
          idempotencyKey: idempotencyKeyHeader(req.headers['idempotency-key']),
          profiles: shared.profiles,
          limits: requestLimits(shared.rateLimits, req),
          budget,
          payer: viewer ? { key: `user:${viewer.id}`, signedIn: true } : { key: `ip:${clientIp(req)}`, signedIn: false },
        };
      },
    }),
  );
  app.use(jsonErrors);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/graphql`,
    port,
    metrics,
    clients,
    policies,
    redis: shared.redis,
    async stop() {
      await apollo.stop();
      await closeHttp(httpServer);
      closeServiceClients(clients);
      await shared.close();
      overload.stop();
    },
  };
}

/** How often Node's HTTP server looks for requests past their headers or request timeout. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** The `Idempotency-Key` header's value, or null when absent or empty; a repeated header counts once. */
function idempotencyKeyHeader(value: string | string[] | undefined): string | null {
  const key = (Array.isArray(value) ? value[0] : value)?.trim();
  return key ? key : null;
}

/** Malformed or oversized bodies get a GraphQL-shaped JSON error instead of Express's HTML page. */
const jsonErrors: ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, next) => {
  if (res.headersSent) return next(error);
  const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
  const message =
    error.type === 'entity.too.large'
      ? 'The request body is too large.'
      : status < 500
        ? 'The request body is not valid JSON.'
        : 'Something went wrong on our side.';
  const code = status < 500 ? GatewayErrorCode.BadRequest : GatewayErrorCode.InternalServerError;
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
};

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
