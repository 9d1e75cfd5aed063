import { SERVICE_NAMES, serviceAddress, type ServiceName } from '../../platform/addresses.js';
import { serviceIdentityFromEnv } from '../../platform/identity.js';
import { productionTokenProblem, tokenConfigFromEnv, type TokenConfig } from '../../platform/token-config.js';
import type { VerificationKeys } from '../auth/verify-token.js';
import { eventBusSettingsFromEnv, eventTopology, type EventBusSettings } from '../../platform/events/index.js';

/** Everything the gateway reads from its environment, parsed and checked once at start. */
export interface GatewayConfig {
  /** `NODE_ENV=production`: no Sandbox, no introspection, masked internal errors. */
  production: boolean;
  host: string;
  port: number;
  /**
   * `ADMIN_HOST`: interface of the operational listener (`/healthz`, `/readyz`,
   * `/metrics`). Loopback unless set, in production too: what it serves (sign-in
   * counts, RPC names, the services behind the gateway) is for probes and
   * Prometheus, never for clients.
   */
  adminHost: string;
  /**
   * `ADMIN_PORT`: port of the operational listener, 9464 by default (the port
   * Prometheus exporters of OpenTelemetry use, as the services' `METRICS_ADDR`
   * does in compose); 0 takes a free port, and is the default when `PORT` is 0.
   */
  adminPort: number;
  /** Where each upstream service is dialled. */
  serviceAddresses: Record<ServiceName, string>;
  /** Longest deadline one RPC attempt may get, in milliseconds (`RPC_TIMEOUT_MS`); the request budget may cut it shorter. */
  rpcTimeoutMs: number;
  /** HTTP/2 connections to each service, calls spread over them in turn (`GRPC_CHANNELS_PER_SERVICE`, 2). */
  grpcChannelsPerService: number;
  /** Resilience policies for the calls to the services (`REQUEST_BUDGET_MS`, `RPC_RETRY_*`, `CIRCUIT_*`, `BULKHEAD_*`). */
  resilience: ResilienceSettings;
  tokens: TokenConfig;
  /** Where access-token keys come from: `JWT_SECRET`, or the issuer's JWKS when `JWKS_URL` is set. */
  tokenKeys: VerificationKeys;
  /** Sent to services with the viewer's identity, so they accept it only from us (`SERVICE_SECRET`). */
  serviceSecret: string;
  /** Largest accepted request body (`MAX_BODY_BYTES`). */
  maxBodyBytes: number;
  /** Allowed CORS origins (`CORS_ORIGINS`, comma-separated; `*` for any). */
  corsOrigins: string[] | '*';
  /** How long requests in flight may finish after SIGTERM (`SHUTDOWN_GRACE_MS`) before their connections are cut. */
  shutdownGraceMs: number;
  logLevel: string;
  /**
   * `LOG_VARIABLES=true`: each request's log line carries its GraphQL variables,
   * redacted (what the schema marks `@sensitive`, and names like `password`)
   * and capped at a few KB. Off by default: variables are the client's data.
   */
  logVariables: boolean;
  /**
   * `EXECUTION`: `compiled` (default) runs each document compiled once
   * (graphql-jit); `interpreted` runs graphql-js's interpreter, as a bare
   * Apollo Server does. Same answers either way.
   */
  execution: 'compiled' | 'interpreted';
  /** Where shared state lives (`REDIS_*`); null runs on in-memory stand-ins, one per process. */
  redis: RedisSettings | null;
  /** Lifetime of a cached profile (`PROFILE_CACHE_TTL_SECONDS`); 0 turns the profile cache off. */
  profileCacheTtlSeconds: number;
  /** The domain event bus (`NATS_URL`, `EVENTS_NAMESPACE`): the gateway watches it for profiles changed elsewhere. */
  events: EventBusSettings;
  rateLimits: RateLimitSettings;
  /** Which proxies may set X-Forwarded-For (`TRUST_PROXY`), as Express's `trust proxy` takes it; false trusts none. */
  trustProxy: boolean | number | string;
  persistedQueries: PersistedQuerySettings;
  /** What one operation may cost and do, checked before it runs and while it runs (`DEMAND_CONTROL`, `MAX_*`). */
  demandControl: DemandControlSettings;
  /** What one replica takes on at once, and how long it waits for slow clients (`MAX_IN_FLIGHT_*`, `SHED_*`, `HTTP_*_TIMEOUT_MS`). */
  overload: OverloadSettings;
  /** GraphQL subscriptions over WebSocket: how many, how far behind, how long (`MAX_SUBSCRIPTIONS_*`, `WEBSOCKET_*`). */
  subscriptions: SubscriptionSettings;
}

/** Live subscriptions (graphql-ws) on this replica, and the WebSocket connections that carry them. */
export interface SubscriptionSettings {
  /** `MAX_WEBSOCKET_CONNECTIONS`: WebSocket connections this replica holds at once; more are refused (HTTP 503) at the upgrade. */
  maxConnections: number;
  /** `MAX_SUBSCRIPTIONS_PER_CONNECTION`: subscriptions one connection may run at once. */
  maxPerConnection: number;
  /** `MAX_SUBSCRIPTIONS_PER_VIEWER`: subscriptions one viewer may run at once on this replica, over all their connections. */
  maxPerViewer: number;
  /** `SUBSCRIPTION_BUFFER_EVENTS`: events one subscription may have waiting for its client; one more ends it with SUBSCRIPTION_OVERFLOW. */
  bufferEvents: number;
  /** `WEBSOCKET_MAX_BUFFERED_BYTES`: bytes a connection may have waiting to be sent; past it the connection is closed as too slow. */
  maxBufferedBytes: number;
  /** `WEBSOCKET_KEEP_ALIVE_MS`: how often the server pings; a client that has not answered by the next ping is cut. */
  keepAliveMs: number;
  /** `WEBSOCKET_INIT_TIMEOUT_MS`: how long a new connection may take to send `connection_init`. */
  initTimeoutMs: number;
  /** `WEBSOCKET_TOKEN_RECHECK_MS`: how often a connection's token is verified again (a retired signing key, say), besides its expiry. */
  tokenRecheckMs: number;
}

/**
 * Demand control: every operation's work is bounded before it runs (structure
 * and estimated cost) and again while it runs (RPCs, list items, response size).
 */
export interface DemandControlSettings {
  /**
   * `DEMAND_CONTROL`: `enforce` refuses what is over a limit; `measure` computes,
   * records and logs the cost but refuses nothing for it (structural limits and
   * the execution budget still hold); `off` skips demand control altogether.
   */
  mode: 'enforce' | 'measure' | 'off';
  /** `MAX_OPERATION_COST`: the highest estimated cost an operation may have. */
  maxOperationCost: number;
  /** `MAX_QUERY_DEPTH`: the deepest nesting of fields, introspection aside. */
  maxDepth: number;
  /** `MAX_INTROSPECTION_DEPTH`: the deepest nesting of fields counting introspection (`ofType` chains). */
  maxIntrospectionDepth: number;
  /** `MAX_ALIASES`: aliases in one operation, its fragments included. */
  maxAliases: number;
  /** `MAX_DIRECTIVES`: directives in one operation, its fragments included. */
  maxDirectives: number;
  /** `MAX_ROOT_FIELDS`: fields at the root of one operation, each alias counting. */
  maxRootFields: number;
  /** `MAX_TOKENS`: lexical tokens in one document; parsing stops past it. */
  maxTokens: number;
  /** `MAX_QUERY_CHARACTERS`: the longest query text, sent or registered as a persisted query. */
  maxQueryCharacters: number;
  /** `MAX_RPCS_PER_REQUEST`: RPCs one request may send, retries included. */
  maxRpcsPerRequest: number;
  /** `MAX_ITEMS_PER_REQUEST`: list items and batch keys one request may resolve. */
  maxItemsPerRequest: number;
  /** `MAX_RESPONSE_BYTES`: the largest response body. */
  maxResponseBytes: number;
}

/** Overload protection of one replica, and its HTTP server's timeouts against slow clients. */
export interface OverloadSettings {
  /** `MAX_IN_FLIGHT_REQUESTS`: GraphQL requests handled at once by this replica; 0 turns the limit off. */
  maxInFlight: number;
  /** `MAX_IN_FLIGHT_PER_CLIENT`: GraphQL requests one client (viewer or IP) may have in flight; 0 turns it off. */
  maxInFlightPerClient: number;
  /** `MAX_COST_IN_FLIGHT`: the estimated cost of the operations this replica runs at once; 0 turns the limit off. */
  maxCostInFlight: number;
  /** `SHED_EVENT_LOOP_DELAY_MS`: requests are shed while the event loop lags more than this; 0 turns it off. */
  maxEventLoopDelayMs: number;
  /** `SHED_HEAP_USED_PERCENT`: requests are shed while the heap is fuller than this share of its limit; 0 turns it off. */
  maxHeapUsedPercent: number;
  /** `HTTP_HEADERS_TIMEOUT_MS`: how long a client may take to send its request headers. */
  headersTimeoutMs: number;
  /** `HTTP_REQUEST_TIMEOUT_MS`: how long a client may take to send its whole request. */
  requestTimeoutMs: number;
  /** `HTTP_KEEP_ALIVE_TIMEOUT_MS`: how long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
}

/** How calls to the services are bounded, retried and shed; one set of settings applies to every service. */
export interface ResilienceSettings {
  /** `REQUEST_BUDGET_MS`: time one GraphQL request may spend on RPCs, from when its context is built. */
  requestBudgetMs: number;
  /** `RPC_RETRY_MAX_ATTEMPTS`: retries after the first attempt of a method declared NO_SIDE_EFFECTS; 0 turns retries off. */
  retryMaxAttempts: number;
  /** `RPC_RETRY_INITIAL_DELAY_MS`: first backoff before a retry; later ones grow exponentially, with jitter. */
  retryInitialDelayMs: number;
  /** `RPC_RETRY_MAX_DELAY_MS`: longest backoff before a retry. */
  retryMaxDelayMs: number;
  /** `CIRCUIT_CONSECUTIVE_FAILURES`: consecutive failed calls that open a service's breaker. */
  circuitConsecutiveFailures: number;
  /** `CIRCUIT_HALF_OPEN_AFTER_MS`: how long a breaker stays open before one probe call is let through. */
  circuitHalfOpenAfterMs: number;
  /** `BULKHEAD_MAX_CONCURRENT`: calls in flight to one service. */
  bulkheadMaxConcurrent: number;
  /** `BULKHEAD_MAX_QUEUED`: calls waiting for a slot of one service; more are refused at once. */
  bulkheadMaxQueued: number;
}

/** How the gateway reaches Redis. */
export interface RedisSettings {
  /** `REDIS_URL`: `redis://` or `rediss://` (TLS); credentials and database for Sentinel and Cluster too. */
  url: string | undefined;
  /** `standalone`, or `sentinel` when `REDIS_SENTINELS` is set, or `cluster` when `REDIS_CLUSTER_NODES` is set. */
  mode: 'standalone' | 'sentinel' | 'cluster';
  /** `REDIS_SENTINELS` (host:port, comma-separated). */
  sentinels: { host: string; port: number }[];
  /** `REDIS_SENTINEL_MASTER`: the master's name the sentinels know. */
  sentinelMaster: string;
  /** `REDIS_CLUSTER_NODES` (host:port, comma-separated): seed nodes of a cluster. */
  clusterNodes: { host: string; port: number }[];
  /** `REDIS_KEY_PREFIX`: put before every key, so several deployments can share one Redis. */
  keyPrefix: string;
  /** `REDIS_COMMAND_TIMEOUT_MS`: a command slower than this fails and the request goes on without Redis. */
  commandTimeoutMs: number;
  /** `REDIS_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs: number;
}

/** One limit: `points` requests per `durationSeconds`; 0 points turns it off. */
export interface RateLimit {
  points: number;
  durationSeconds: number;
}

export interface RateLimitSettings {
  /** `RATE_LIMIT_ANONYMOUS`: per client IP, for requests without a token. */
  anonymous: RateLimit;
  /** `RATE_LIMIT_SIGNED_IN`: per viewer id. */
  signedIn: RateLimit;
  /** `RATE_LIMIT_LOGIN`: `login` attempts per client IP. */
  login: RateLimit;
  /** `RATE_LIMIT_REGISTER`: `register` attempts per client IP, each field of an operation counting once. */
  register: RateLimit;
  /** `RATE_LIMIT_REFRESH`: `refreshToken` and `logout` attempts per client IP. */
  refresh: RateLimit;
  /** `RATE_LIMIT_SIGNED_IN_PER_IP`: requests per client IP however many viewers sign in from it. */
  signedInPerIp: RateLimit;
  /** `RATE_LIMIT_COST_ANONYMOUS`: estimated operation cost per client IP, for requests without a token. */
  costAnonymous: RateLimit;
  /** `RATE_LIMIT_COST_SIGNED_IN`: estimated operation cost per viewer id. */
  costSignedIn: RateLimit;
  /** `RATE_LIMIT_FAIL`: whether requests pass (`open`) or are refused (`closed`) while the limit store is unreachable. */
  failMode: 'open' | 'closed';
}

export interface PersistedQuerySettings {
  /** `PERSISTED_QUERIES`: `apq` (automatic, the default), `trusted` (only listed documents run) or `off`. */
  mode: 'apq' | 'trusted' | 'off';
  /** `PERSISTED_QUERIES_TTL_SECONDS`: how long an automatic persisted query is kept. */
  ttlSeconds: number;
  /** `PERSISTED_QUERIES_MAX_BYTES`: the most query text the automatic persisted-query store holds; the least recently used go first. */
  maxBytes: number;
  /** `TRUSTED_DOCUMENTS`: path of the manifest of allowed documents, required in `trusted` mode. */
  trustedDocumentsFile: string | undefined;
}

/** A setting that is present but wrong: the gateway refuses to start and says which. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and checks the gateway's settings; throws `ConfigError` naming the first bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const production = env.NODE_ENV === 'production';
  let tokens: TokenConfig;
  try {
    tokens = tokenConfigFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const tokenKeys = verificationKeys(env);
  const keysProblem = verificationKeysProblem(tokens, tokenKeys, Boolean(env.JWT_ALG?.trim()));
  if (keysProblem) throw new ConfigError(keysProblem);
  const tokenProblem = production ? productionTokenProblem(tokens, tokenKeys.kind === 'secret') : undefined;
  if (tokenProblem) throw new ConfigError(tokenProblem);
  let serviceSecret: string;
  try {
    serviceSecret = serviceIdentityFromEnv(env).secret;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const serviceAddresses = Object.fromEntries(SERVICE_NAMES.map((name) => [name, serviceAddress(name, env)])) as Record<
    ServiceName,
    string
  >;
  const origins = (env.CORS_ORIGINS ?? (production ? '' : '*')).trim();
  const port = integer(env, 'PORT', 4000, 0, 65_535);
  return {
    production,
    host: env.HOST?.trim() || '127.0.0.1',
    port,
    ...adminListener(env, port),
    serviceAddresses,
    rpcTimeoutMs: integer(env, 'RPC_TIMEOUT_MS', 2_000, 1, 600_000),
    grpcChannelsPerService: integer(env, 'GRPC_CHANNELS_PER_SERVICE', 2, 1, 16),
    resilience: resilienceSettings(env),
    tokens,
    tokenKeys,
    serviceSecret,
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1_000_000, 1_000, 100_000_000),
    corsOrigins: origins === '*' ? '*' : origins.split(',').map((origin) => origin.trim()).filter(Boolean),
    logLevel: env.LOG_LEVEL?.trim() || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    logVariables: oneOf(env, 'LOG_VARIABLES', ['true', 'false'] as const, 'false') === 'true',
    execution: oneOf(env, 'EXECUTION', ['compiled', 'interpreted'] as const, 'compiled'),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    redis: redisSettings(env),
    profileCacheTtlSeconds: integer(env, 'PROFILE_CACHE_TTL_SECONDS', 30, 0, 86_400),
    events: eventSettings(env),
    rateLimits: {
      anonymous: rateLimit(env, 'RATE_LIMIT_ANONYMOUS', { points: 600, durationSeconds: 60 }),
      signedIn: rateLimit(env, 'RATE_LIMIT_SIGNED_IN', { points: 1_200, durationSeconds: 60 }),
      login: rateLimit(env, 'RATE_LIMIT_LOGIN', { points: 20, durationSeconds: 300 }),
      register: rateLimit(env, 'RATE_LIMIT_REGISTER', { points: 10, durationSeconds: 3_600 }),
      refresh: rateLimit(env, 'RATE_LIMIT_REFRESH', { points: 60, durationSeconds: 300 }),
      signedInPerIp: rateLimit(env, 'RATE_LIMIT_SIGNED_IN_PER_IP', { points: 6_000, durationSeconds: 60 }),
      costAnonymous: rateLimit(env, 'RATE_LIMIT_COST_ANONYMOUS', { points: 20_000, durationSeconds: 60 }),
      costSignedIn: rateLimit(env, 'RATE_LIMIT_COST_SIGNED_IN', { points: 100_000, durationSeconds: 60 }),
      failMode: oneOf(env, 'RATE_LIMIT_FAIL', ['open', 'closed'] as const, 'open'),
    },
    trustProxy: trustProxy(env.TRUST_PROXY),
    persistedQueries: persistedQuerySettings(env),
    demandControl: demandControlSettings(env),
    overload: overloadSettings(env),
    subscriptions: subscriptionSettings(env),
  };
}

function subscriptionSettings(env: NodeJS.ProcessEnv): SubscriptionSettings {
  return {
    maxConnections: integer(env, 'MAX_WEBSOCKET_CONNECTIONS', 10_000, 1, 10_000_000),
    maxPerConnection: integer(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 10, 1, 10_000),
    maxPerViewer: integer(env, 'MAX_SUBSCRIPTIONS_PER_VIEWER', 20, 1, 100_000),
    bufferEvents: integer(env, 'SUBSCRIPTION_BUFFER_EVENTS', 64, 1, 100_000),
    maxBufferedBytes: integer(env, 'WEBSOCKET_MAX_BUFFERED_BYTES', 1_000_000, 1_000, 1_000_000_000),
    keepAliveMs: integer(env, 'WEBSOCKET_KEEP_ALIVE_MS', 12_000, 1_000, 600_000),
    initTimeoutMs: integer(env, 'WEBSOCKET_INIT_TIMEOUT_MS', 3_000, 100, 600_000),
    tokenRecheckMs: integer(env, 'WEBSOCKET_TOKEN_RECHECK_MS', 60_000, 1_000, 86_400_000),
  };
}

/** `ADMIN_HOST` and `ADMIN_PORT`, the operational listener, apart from the public one on `port`. */
function adminListener(env: NodeJS.ProcessEnv, port: number): Pick<GatewayConfig, 'adminHost' | 'adminPort'> {
  // A gateway on a free port (tests, several replicas on one machine) cannot
  // share one fixed operational port with the others, so it takes a free one too.
  const adminPort = integer(env, 'ADMIN_PORT', port === 0 ? 0 : DEFAULT_ADMIN_PORT, 0, 65_535);
  if (adminPort !== 0 && adminPort === port) throw new ConfigError(`ADMIN_PORT must differ from PORT (both are ${port}).`);
  return { adminHost: env.ADMIN_HOST?.trim() || '127.0.0.1', adminPort };
}

/** The operational listener's port when `ADMIN_PORT` is unset: the OpenTelemetry Prometheus exporter's. */
const DEFAULT_ADMIN_PORT = 9_464;

function demandControlSettings(env: NodeJS.ProcessEnv): DemandControlSettings {
  const maxDepth = integer(env, 'MAX_QUERY_DEPTH', 10, 1, 1_000);
  return {
    mode: oneOf(env, 'DEMAND_CONTROL', ['enforce', 'measure', 'off'] as const, 'enforce'),
    maxOperationCost: integer(env, 'MAX_OPERATION_COST', 5_000, 1, 1_000_000_000),
    maxDepth,
    // Never below the depth of ordinary fields: it bounds introspection, not the rest.
    maxIntrospectionDepth: integer(env, 'MAX_INTROSPECTION_DEPTH', Math.max(15, maxDepth), maxDepth, 1_000),
    maxAliases: integer(env, 'MAX_ALIASES', 15, 0, 100_000),
    maxDirectives: integer(env, 'MAX_DIRECTIVES', 50, 0, 100_000),
    maxRootFields: integer(env, 'MAX_ROOT_FIELDS', 10, 1, 100_000),
    maxTokens: integer(env, 'MAX_TOKENS', 1_000, 10, 1_000_000),
    maxQueryCharacters: integer(env, 'MAX_QUERY_CHARACTERS', 20_000, 100, 100_000_000),
    maxRpcsPerRequest: integer(env, 'MAX_RPCS_PER_REQUEST', 100, 1, 1_000_000),
    maxItemsPerRequest: integer(env, 'MAX_ITEMS_PER_REQUEST', 20_000, 1, 100_000_000),
    maxResponseBytes: integer(env, 'MAX_RESPONSE_BYTES', 5_000_000, 1_000, 1_000_000_000),
  };
}

function overloadSettings(env: NodeJS.ProcessEnv): OverloadSettings {
  const requestTimeoutMs = integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  // Node's HTTP server refuses a headers timeout longer than the request timeout, which covers the headers too.
  const headersTimeoutMs = integer(env, 'HTTP_HEADERS_TIMEOUT_MS', Math.min(10_000, requestTimeoutMs), 100, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not be longer than HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  return {
    maxInFlight: integer(env, 'MAX_IN_FLIGHT_REQUESTS', 128, 0, 1_000_000),
    maxInFlightPerClient: integer(env, 'MAX_IN_FLIGHT_PER_CLIENT', 16, 0, 1_000_000),
    maxCostInFlight: integer(env, 'MAX_COST_IN_FLIGHT', 50_000, 0, 1_000_000_000),
    maxEventLoopDelayMs: integer(env, 'SHED_EVENT_LOOP_DELAY_MS', 200, 0, 60_000),
    maxHeapUsedPercent: integer(env, 'SHED_HEAP_USED_PERCENT', 90, 0, 100),
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: integer(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
  };
}

function resilienceSettings(env: NodeJS.ProcessEnv): ResilienceSettings {
  const retryInitialDelayMs = integer(env, 'RPC_RETRY_INITIAL_DELAY_MS', 25, 1, 60_000);
  return {
    requestBudgetMs: integer(env, 'REQUEST_BUDGET_MS', 2_000, 1, 600_000),
    retryMaxAttempts: integer(env, 'RPC_RETRY_MAX_ATTEMPTS', 2, 0, 10),
    retryInitialDelayMs,
    retryMaxDelayMs: integer(env, 'RPC_RETRY_MAX_DELAY_MS', 250, retryInitialDelayMs, 60_000),
    circuitConsecutiveFailures: integer(env, 'CIRCUIT_CONSECUTIVE_FAILURES', 5, 1, 1_000),
    circuitHalfOpenAfterMs: integer(env, 'CIRCUIT_HALF_OPEN_AFTER_MS', 5_000, 1, 3_600_000),
    bulkheadMaxConcurrent: integer(env, 'BULKHEAD_MAX_CONCURRENT', 64, 1, 100_000),
    bulkheadMaxQueued: integer(env, 'BULKHEAD_MAX_QUEUED', 256, 0, 1_000_000),
  };
}

function redisSettings(env: NodeJS.ProcessEnv): RedisSettings | null {
  const url = env.REDIS_URL?.trim() || undefined;
  const sentinels = hostPorts(env, 'REDIS_SENTINELS', 26_379);
  const clusterNodes = hostPorts(env, 'REDIS_CLUSTER_NODES', 6_379);
  if (!url && sentinels.length === 0 && clusterNodes.length === 0) return null;
  if (url && !/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  if (sentinels.length > 0 && clusterNodes.length > 0) throw new ConfigError('Set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both.');
  const keyPrefix = env.REDIS_KEY_PREFIX ?? 'pinstack:';
  // Braces would turn the prefix into a Redis Cluster hash tag and put every key in one slot.
  if (/[{}]/.test(keyPrefix)) throw new ConfigError('REDIS_KEY_PREFIX must not contain { or }');
  const sentinelMaster = env.REDIS_SENTINEL_MASTER?.trim() || 'mymaster';
  return {
    url,
    mode: sentinels.length > 0 ? 'sentinel' : clusterNodes.length > 0 ? 'cluster' : 'standalone',
    sentinels,
    sentinelMaster,
    clusterNodes,
    keyPrefix,
    commandTimeoutMs: integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 250, 1, 60_000),
    connectTimeoutMs: integer(env, 'REDIS_CONNECT_TIMEOUT_MS', 2_000, 1, 60_000),
  };
}

function hostPorts(env: NodeJS.ProcessEnv, name: string, defaultPort: number): { host: string; port: number }[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    const match = /^\s*([^:\s]+)(?::(\d{1,5}))?\s*$/.exec(entry);
    if (!match?.[1]) throw new ConfigError(`${name} must list host:port pairs separated by commas, got ${JSON.stringify(entry)}`);
    return { host: match[1], port: match[2] ? Number(match[2]) : defaultPort };
  });
}

/** Reads `points/seconds` (`600/60`); `0` turns the limit off. */
function rateLimit(env: NodeJS.ProcessEnv, name: string, fallback: RateLimit): RateLimit {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (raw === '0') return { points: 0, durationSeconds: fallback.durationSeconds };
  const match = /^(\d{1,9})\/(\d{1,6})$/.exec(raw);
  if (!match || Number(match[2]) === 0) throw new ConfigError(`${name} must be requests/seconds (such as 600/60) or 0, got ${JSON.stringify(raw)}`);
  return { points: Number(match[1]), durationSeconds: Number(match[2]) };
}

function oneOf<const T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** `TRUST_PROXY`: unset or `false` trusts no proxy; a number of hops; or addresses, CIDRs and `loopback`, comma-separated. */
function trustProxy(raw: string | undefined): boolean | number | string {
  const value = raw?.trim();
  if (!value || value === 'false') return false;
  // Trusts every hop: only right when the gateway cannot be reached except through proxies.
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function persistedQuerySettings(env: NodeJS.ProcessEnv): PersistedQuerySettings {
  const mode = oneOf(env, 'PERSISTED_QUERIES', ['apq', 'trusted', 'off'] as const, 'apq');
  const trustedDocumentsFile = env.TRUSTED_DOCUMENTS?.trim() || undefined;
  if (mode === 'trusted' && !trustedDocumentsFile) throw new ConfigError('PERSISTED_QUERIES=trusted needs TRUSTED_DOCUMENTS, the manifest of allowed documents.');
  return {
    mode,
    ttlSeconds: integer(env, 'PERSISTED_QUERIES_TTL_SECONDS', 86_400, 1, 31_536_000),
    maxBytes: integer(env, 'PERSISTED_QUERIES_MAX_BYTES', 10_000_000, 10_000, 10_000_000_000),
    trustedDocumentsFile,
  };
}

/** `JWKS_URL` and its cache settings, or the shared secret when it is unset. */
function verificationKeys(env: NodeJS.ProcessEnv): VerificationKeys {
  const url = env.JWKS_URL?.trim();
  if (!url) return { kind: 'secret' };
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError(`JWKS_URL must be an http(s) URL, got ${JSON.stringify(url)}`);
  return {
    kind: 'jwks',
    url,
    maxAgeMs: integer(env, 'JWKS_CACHE_MAX_AGE_MS', 600_000, 0, 86_400_000),
    cooldownMs: integer(env, 'JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
  };
}

/**
 * Why the way tokens are signed (`JWT_ALG`, which the auth service reads) and
 * the way the gateway checks them (`JWKS_URL`, else `JWT_SECRET`) cannot
 * agree, or undefined when they can. Either mismatch would start fine and then
 * refuse every token as TOKEN_INVALID, with nothing pointing at the cause.
 * `algorithmSet` says whether `JWT_ALG` was set at all: an external identity
 * provider needs only `JWKS_URL`, and leaves `JWT_ALG` (the auth service's) unset.
 */
function verificationKeysProblem(tokens: TokenConfig, keys: VerificationKeys, algorithmSet: boolean): string | undefined {
  if (tokens.algorithm !== 'HS256' && keys.kind === 'secret') {
    return (
      `JWT_ALG=${tokens.algorithm} signs tokens with a key pair, but JWKS_URL is not set, so the gateway could only check them ` +
      'with JWT_SECRET and would refuse every one. Set JWKS_URL to the JWKS that publishes the public keys (the auth service ' +
      'serves it at http://<JWKS_LISTEN_ADDR>/.well-known/jwks.json, http://127.0.0.1:50057/.well-known/jwks.json by default), ' +
      'or unset JWT_ALG to sign and check with JWT_SECRET (HS256).'
    );
  }
  if (algorithmSet && tokens.algorithm === 'HS256' && keys.kind === 'jwks') {
    return (
      'JWT_ALG=HS256 signs tokens with JWT_SECRET, but JWKS_URL is set, so the gateway would check them against key pairs only ' +
      '(ES256, RS256) and refuse every one. Unset JWKS_URL, or set JWT_ALG to ES256 or RS256.'
    );
  }
  return undefined;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** `NATS_URL`, `EVENTS_BUS` and `EVENTS_NAMESPACE`, the namespace checked here so that a bad one stops the start. */
function eventSettings(env: NodeJS.ProcessEnv): EventBusSettings {
  let settings: EventBusSettings;
  try {
    settings = eventBusSettingsFromEnv(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  try {
    eventTopology(settings.namespace);
  } catch (error) {
    throw new ConfigError(`EVENTS_NAMESPACE: ${(error as Error).message}`);
  }
  if (settings.natsUrl && !/^(nats|tls):\/\//.test(settings.natsUrl.split(',')[0]!.trim())) {
    throw new ConfigError(`NATS_URL must be nats://host:port (or tls://), got ${JSON.stringify(settings.natsUrl.replace(/\/\/[^@/]*@/, '//***@'))}`);
  }
  return settings;
}

