/**
 * The gateway's composition root: with `request-context.ts` and `main.ts`, the
 * only runtime modules that know the graph layer (the schema, `resolvers/`,
 * `src/sources/`, `src/permissions/`). Everything else under `src/` is runtime
 * the graph runs on and never imports it; `eslint.config.js` enforces that.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenVerifier } from './auth/verify-token.js';
import type { Viewer } from './auth/viewer.js';
import type { GatewayConfig } from './config/index.js';
import type { GatewayContext } from './context.js';
import { formatGatewayError } from './errors.js';
import { ServiceApiTemplates } from './grpc/service-apis.js';
import { closeServiceClients, createServiceClients, type ServiceClients } from './grpc/service-clients.js';
import { createServicePolicies, type ServicePolicies } from './resilience/policies.js';
import { buildSchema } from './schema.js';
import { isViewersAccount } from './permissions/index.js';
import { compiledExecution } from './execution/compiled-execution.js';
import { operationTypeExists, subscriptionsOverWebSocket } from './validation/operation-types.js';
import { boundedDocumentStore, createDemandControl } from './demand-control/index.js';
import { GatewayMetrics } from './telemetry/metrics.js';
import { createGatewayLogger, type Logger } from './telemetry/logger.js';
import { telemetryPlugin } from './telemetry/graphql-plugin.js';
import { httpTelemetry } from './telemetry/http-metrics.js';
import { graphqlOperationSpan } from './telemetry/tracing.js';
import { degradedErrorsPlugin } from './http/degraded-errors.js';
import { answerClientErrors } from './http/client-errors.js';
import { baseUrl, closeHttp, listen, serverOptions } from './http/listeners.js';
import { errorLoggingPlugin } from './http/error-logging.js';
import { jsonErrors } from './http/error-response.js';
import { requestErrorStatusPlugin } from './http/status-codes.js';
import { refuseUnacceptable } from './http/not-acceptable.js';
import { subscriptionsOverWebSocketOnly } from './http/subscriptions-over-websocket.js';
import { explorerOffPage } from './http/explorer-off.js';
import { corsForOrigins } from './http/cors.js';
import { noStoreForCredentials, securityHeaders, singleAuthorization } from './http/security-headers.js';
import { readiness, sharedStateChecks, type ReadinessReport } from './http/readiness.js';
import { DRAINING, operationalApp } from './http/admin.js';
import { createSharedState } from './cache/shared-state.js';
import type { RedisConnection } from './cache/redis.js';
import { clientIp, rateLimitRequests } from './rate-limit/middleware.js';
import { createOverloadProtection, type SampleLoad } from './overload/index.js';
import { secretDocumentsNotPersisted } from './persisted-queries/secret-documents.js';
import { loadTrustedDocuments, requireTrustedDocuments, trustedDocument } from './persisted-queries/trusted-documents.js';
import { createRequestContext, createSubscriptionContext, type RequestContextDependencies } from './request-context.js';
import { startSubscriptionServer } from './subscriptions/server.js';
import { ProfileCache, watchProfileChanges } from './sources/profiles/index.js';
import { createEventBus, EventMetrics, type EventBus, type EventSubscription } from '../platform/events/index.js';
import { callsPlugin } from './telemetry/calls-plugin.js';

/** A running gateway. */
export interface Gateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  readonly port: number;
  /**
   * The operational listener, e.g. `http://127.0.0.1:9464`: `/healthz`,
   * `/readyz` and `/metrics` are there, not on the public port.
   */
  readonly adminUrl: string;
  readonly metrics: GatewayMetrics;
  readonly clients: ServiceClients;
  /** Each service's breaker, bulkhead and retry policy, shared by every request. */
  readonly policies: ServicePolicies;
  /** The connection to Redis for shared state, or null on the in-memory stand-ins. */
  readonly redis: RedisConnection | null;
  /**
   * Stops accepting requests and lets those in flight finish, while the
   * operational listener goes on answering (`/readyz` with 503 `draining`);
   * then closes it and every channel.
   */
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
  /**
   * The domain event bus, when the caller owns it (a test stack sharing one);
   * by default the gateway makes its own from `config.events` (only with a
   * profile cache, the one thing it watches events for) and closes it on stop.
   */
  events?: EventBus;
}

/**
 * Starts the gateway: Apollo Server on Express at `/graphql` on `HOST:PORT`,
 * and `/healthz`, `/readyz` and `/metrics` on a listener of their own
 * (`ADMIN_HOST:ADMIN_PORT`), over one gRPC channel per upstream service.
 */
export async function startGateway(config: GatewayConfig, options: StartGatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createGatewayLogger(config.logLevel);
  const metrics = new GatewayMetrics({ processMetrics: options.processMetrics ?? true });
  const overload = createOverloadProtection(config.overload, { metrics, sampleLoad: options.sampleLoad });
  const clients = createServiceClients(config.serviceAddresses, metrics, config.grpcChannelsPerService);
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

  // Where the gateway is in its life: readiness fails from the moment it starts draining.
  let phase: 'serving' | 'draining' | 'stopped' = 'serving';

  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For sets req.ip only when it comes from a proxy TRUST_PROXY names.
  app.set('trust proxy', config.trustProxy);
  // First, so that every response (refused bodies, unknown paths) is counted and carries a request id.
  app.use(httpTelemetry(metrics));
  app.use(securityHeaders(config.production));
  const httpServer = createServer(serverOptions(config.overload), app);
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
    // Compiled execution is handed over through Apollo Server's executor hook (`gateway`).
    ...(config.execution === 'compiled' ? { gateway: compiledExecution(schema) } : { schema }),
    // Parsed documents are cached by what they hold, their query text included.
    documentStore: boundedDocumentStore(),
    parseOptions: demand.parseOptions,
    // Subscriptions are served over WebSocket (src/subscriptions), never over HTTP.
    validationRules: [operationTypeExists, subscriptionsOverWebSocket, ...demand.validationRules],
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
      // The schema sets no cache hints: the default cache-control plugin would still hook every field.
      ApolloServerPluginCacheControlDisabled(),
      // A document with a secret written in it is run, never stored for replay.
      secretDocumentsNotPersisted<GatewayContext>(schema),
      // On stop: refuse new connections, let requests in flight finish within the grace period.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      // ... and close every WebSocket (1001), which ends their subscriptions and upstream streams.
      // (Started below, once the contexts it builds can be; Apollo Server drains only when stopped, long after.)
      { serverWillStart: async () => ({ drainServer: () => subscriptions.dispose() }) },
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
      demand.plugin,
      degradedErrorsPlugin<GatewayContext>(config.production),
      // What the request really called (RPCs, cache lookups) in `extensions.calls`, for those its recorder is on for.
      callsPlugin<GatewayContext>(),
      errorLoggingPlugin(logger),
      telemetryPlugin<GatewayContext>(metrics, logger, { schema, logVariables: config.logVariables }),
      // GraphQL over HTTP: a refused document is 200 under application/json, 400 under application/graphql-response+json.
      requestErrorStatusPlugin<GatewayContext>(),
    ],
  });
  await apollo.start();

  const ready = async (): Promise<ReadinessReport> => {
    if (phase !== 'serving') return DRAINING;
    // Redis (and the limiter's writes to it) make the gateway unready only when
    // requests fail without them (rate limiting fails closed); otherwise they
    // are reported as degraded.
    const checks = sharedStateChecks(shared.redis, shared.rateLimits, config.rateLimits.failMode);
    // Overloaded (event loop or heap), the replica asks its load balancer for less traffic; /readyz itself is never shed.
    return readiness(clients, 1_000, { ...checks, load: overload.readinessCheck });
  };
  // Probes and scrapes on a listener of their own, loopback by default: on the
  // public port they would tell anyone the operations, RPCs, heap and services.
  const adminServer = createServer(serverOptions(config.overload), operationalApp({ metrics, readiness: ready }));
  answerClientErrors(adminServer);

  // One profile cache per gateway (its single flights are shared by every request), over the shared store.
  const profiles = new ProfileCache({ store: shared.profileStore, ttlMs: config.profileCacheTtlSeconds * 1000, metrics: shared.metrics, logger });
  const serviceApis = new ServiceApiTemplates(clients, policies);
  const contextDependencies: RequestContextDependencies = { config, clients, serviceApis, shared, profiles, demand, metrics, viewerOf, logger };
  // Writes made elsewhere (another replica, another client of the services) reach the cache as events;
  // this replica's own writes still drop what they change synchronously, before they answer.
  // Without a profile cache there is nothing to drop, and no bus to connect to.
  const ownEvents = !options.events && config.profileCacheTtlSeconds > 0;
  const events = ownEvents ? createEventBus(config.events, { name: 'pinstack-gateway', logger, metrics: new EventMetrics(metrics.registry) }) : options.events;
  const profileWatch: EventSubscription | null =
    events && config.profileCacheTtlSeconds > 0 ? await watchProfileChanges(events, profiles, config.profileCacheTtlSeconds * 1000, options.now) : null;

  // GraphQL subscriptions over WebSocket on the same server and path, as Apollo Server documents (graphql-ws).
  const subscriptions = startSubscriptionServer<GatewayContext>({
    httpServer,
    path: '/graphql',
    schema,
    settings: config.subscriptions,
    production: config.production,
    maxMessageBytes: config.maxBodyBytes,
    allowedOrigins: config.corsOrigins,
    verifyToken: (authorization) => tokens.credentialFromHeader(authorization),
    documentRules: {
      schema,
      maxQueryCharacters: config.demandControl.mode === 'off' ? null : config.demandControl.maxQueryCharacters,
      parseOptions: demand.parseOptions,
      validationRules: demand.validationRules,
    },
    ...(trustedDocuments ? { trustedDocument: (query: unknown, hash: unknown) => trustedDocument(trustedDocuments, query, hash) } : {}),
    admit: (document, operationName, variables, viewer) => demand.admit(document, operationName, variables, { key: `user:${viewer.id}`, signedIn: true }),
    context: (viewer, clientAddress) => createSubscriptionContext(contextDependencies, viewer, clientAddress),
    accountStillExists: async (viewer) => {
      const context = createSubscriptionContext(contextDependencies, viewer, 'token-recheck');
      try {
        const user = await context.sources.users.byId(viewer.id);
        return user !== null && isViewersAccount(viewer, user);
      } finally {
        context.budget.finish();
      }
    },
    finish: (context) => context.budget.finish(),
    metrics,
    logger,
    now: options.tokenClock,
  });

  app.use(
    '/graphql',
    graphqlOperationSpan('/graphql'),
    corsForOrigins(config.corsOrigins),
    // A browser opening /graphql in production learns the explorer is off, not about CSRF headers.
    ...(config.production ? [explorerOffPage] : []),
    singleAuthorization,
    noStoreForCredentials,
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
    // Subscriptions go over WebSocket, on this same path (below).
    subscriptionsOverWebSocketOnly(demand.parseOptions),
    expressMiddleware(apollo, {
      // Each request's state (viewer, budgets, service APIs, data sources): see createRequestContext.
      context: ({ req }) => createRequestContext(contextDependencies, req),
    }),
  );
  // Malformed or oversized bodies, and any other middleware failure, get a GraphQL-shaped JSON error instead of Express's HTML page.
  app.use(jsonErrors(logger));

  const release = async () => {
    await closeHttp(httpServer);
    await closeHttp(adminServer);
    await profileWatch?.stop();
    if (ownEvents) await events?.close();
    closeServiceClients(clients);
    await shared.close();
    overload.stop();
  };
  try {
    await listen(httpServer, config.port, config.host, 'HOST, PORT');
    // Second, so that /healthz (what a supervisor waits for) answers only once /graphql can.
    await listen(adminServer, config.adminPort, config.adminHost, 'ADMIN_HOST, ADMIN_PORT');
  } catch (error) {
    // Stopping Apollo Server drains the subscriptions too.
    await apollo.stop();
    await release();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const { port: adminPort } = adminServer.address() as AddressInfo;
  // One shutdown, however many callers ask for it.
  let stopped: Promise<void> | undefined;

  return {
    url: `${baseUrl(config.host, port)}/graphql`,
    port,
    adminUrl: baseUrl(config.adminHost, adminPort),
    metrics,
    clients,
    policies,
    redis: shared.redis,
    stop() {
      stopped ??= (async () => {
        // From here /readyz answers 503 while /healthz stays 200: Kubernetes takes
        // the replica out of its endpoints but does not restart it mid-drain.
        phase = 'draining';
        // The drain plugin closes the public listener and waits for the requests in flight.
        await apollo.stop();
        await release();
        phase = 'stopped';
      })();
      return stopped;
    },
  };
}
