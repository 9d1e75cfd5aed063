import { SERVICE_NAMES, SERVICES, type ServiceName } from '../../platform/addresses.js';
import { createLogger } from '../../services/common/logger.js';
import { DEFAULT_SEED, type SeedConfig } from '../../services/common/seed/config.js';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { startServer, type RunningServer, type ServiceBinding, type UnaryHandler } from '../../services/common/server.js';
import type { EventServiceEnvironment, ServiceSetup } from '../../services/common/setup.js';
import { setupAuthService, type AuthServiceSetup } from '../../services/auth/setup.js';
import type { SigningKeys } from '../../services/auth/signing-keys.js';
import { serviceIdentityFromEnv } from '../../platform/identity.js';
import { setupNotificationsService } from '../../services/notifications/setup.js';
import { setupPostsService } from '../../services/posts/setup.js';
import { setupRecommendationsService } from '../../services/recommendations/setup.js';
import { setupRelationsService } from '../../services/relations/setup.js';
import { setupUsersService } from '../../services/users/setup.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { ACCOUNT_CREATED_AT_CLAIM, tokenConfigFromEnv } from '../../platform/token-config.js';
import { graphql } from './graphql.js';
import { Registry } from 'prom-client';
import { InProcessBroker, type EventBus } from '../../platform/events/index.js';
import { signAccessToken } from './tokens.js';

/** What a stack needs to run as in production: every secret set, none of the development defaults. */
export const PRODUCTION_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-that-is-long-enough-0123',
  JWT_ISSUER: 'https://auth.pinstack.example',
  JWT_AUDIENCE: 'pinstack-gateway-production',
  SERVICE_SECRET: 'a-production-service-secret-long-enough-4567',
  // Production logs at info by default; a test reads what it asserts, not the console.
  LOG_LEVEL: 'silent',
};

/** A small seed that keeps a whole stack fast to start yet gives feeds of well over 50 posts. */
export const TEST_SEED: SeedConfig = {
  ...DEFAULT_SEED,
  users: 60,
  posts: 1_500,
  followsPerUser: 10,
  likesPerPost: 3,
  demoAccounts: 6,
};

const SETUPS: Record<ServiceName, (environment: EventServiceEnvironment) => Promise<ServiceSetup> | ServiceSetup> = {
  users: setupUsersService,
  auth: setupAuthService,
  posts: setupPostsService,
  relations: setupRelationsService,
  notifications: setupNotificationsService,
  recommendations: setupRecommendationsService,
};

// Services that others call start first, so their addresses are known.
const START_ORDER: ServiceName[] = ['notifications', 'users', 'relations', 'posts', 'auth', 'recommendations'];

/**
 * Runs before a service's own handler for every call it receives: it may wait
 * (a slow service) or throw an `RpcError` (a failing one). `method` is the
 * handler's key (`batchGetRecommendations`).
 */
export type ServiceFault = (method: string, call: ServerUnaryCall<unknown, unknown>) => Promise<void> | void;

export interface StartStackOptions {
  seed?: SeedConfig;
  /** Environment for the gateway and the services (NODE_ENV, JWT_SECRET, ...). */
  env?: NodeJS.ProcessEnv;
  /** The clock the gateway checks tokens and ages its JWKS cache by. */
  tokenClock?: () => number;
  /**
   * Services that run elsewhere (a process the test starts and kills itself),
   * by address: the stack does not start them, and the gateway and the other
   * services dial them there.
   */
  external?: Partial<Record<ServiceName, string>>;
  /**
   * A client of the event bus for each service and the gateway, when the test
   * brings its own (JetStream); by default all share one in-process broker.
   * The stack closes the clients it is given.
   */
  events?: () => EventBus;
}

/** The six reference services and a gateway, each on its own loopback port. */
export interface TestStack {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  /** The gateway's operational listener (`/healthz`, `/readyz`, `/metrics`), e.g. `http://127.0.0.1:40123`. */
  readonly adminUrl: string;
  readonly gateway: Gateway;
  /** The services this stack runs; an `external` service has no entry. */
  readonly servers: Record<ServiceName, RunningServer>;
  /** The auth service's key pairs, when `JWT_ALG` is ES256 or RS256 (the gateway then verifies through its JWKS). */
  readonly signingKeys: SigningKeys | undefined;
  /** RPCs received so far by every service, keyed `service.Method`. */
  callsByMethod(): Record<string, number>;
  totalCalls(): number;
  /** Signs in a seeded demo account through the gateway and returns its access token. */
  login(email: string): Promise<string>;
  /**
   * Signs an access token directly, as the auth service would: for a seeded
   * user, bound to that account (its creation time) unless `claims` say otherwise.
   */
  signToken(claims: Record<string, unknown> & { sub: string }): Promise<string>;
  /** Injects `fault` into every call `name` receives from now on; null takes it out. Not for an `external` service. */
  setFault(name: ServiceName, fault: ServiceFault | null): void;
  /** Stops one service (for failure tests); the gateway keeps running. */
  stopService(name: ServiceName): Promise<void>;
  /** A new client of the stack's event bus: to watch or publish events as another process would. */
  events(): EventBus;
  /** Starts a stopped service again on its old address, with the data it had; the gateway is not told. */
  restartService(name: ServiceName): Promise<void>;
  /**
   * Starts another gateway (a second replica) on the same services, with `env`
   * over the stack's environment; `stop()` stops it too.
   */
  startGateway(env?: NodeJS.ProcessEnv): Promise<Gateway>;
  stop(): Promise<void>;
}

/** Starts a whole stack in this process over real sockets on free ports. */
export async function startStack(options: StartStackOptions = {}): Promise<TestStack> {
  const seed = options.seed ?? TEST_SEED;
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'test', ...options.env };
  const external = options.external ?? {};
  const addresses = { ...external } as Record<ServiceName, string>;
  const servers = {} as Record<ServiceName, RunningServer>;
  const closers: (() => Promise<void> | void)[] = [];
  const stopped = new Set<ServiceName>();
  const faults = new Map<ServiceName, ServiceFault>();
  const restarts = {} as Record<ServiceName, () => Promise<void>>;
  const serviceSecret = serviceIdentityFromEnv(env).secret;
  let auth: AuthServiceSetup | undefined;
  const broker = options.events ? null : new InProcessBroker();
  const buses: EventBus[] = [];
  const eventsClient = () => {
    const bus = options.events ? options.events() : broker!.client();
    buses.push(bus);
    return bus;
  };

  for (const name of START_ORDER) {
    if (external[name] !== undefined) continue;
    const logger = createLogger(name);
    // In key-pair mode the auth service publishes its JWKS; a free port, like every other.
    const serviceEnv = { JWKS_LISTEN_ADDR: '127.0.0.1:0', ...env };
    const setup = await SETUPS[name]({ seed, env: serviceEnv, logger, address: (other) => addresses[other], events: eventsClient(), registry: new Registry() });
    if (name === 'auth') auth = setup;
    const services = setup.services.map((binding) => withFaults(binding, () => faults.get(name)));
    const server = await startServer({ name, address: '127.0.0.1:0', services, logger, serviceSecret });
    addresses[name] = server.address;
    servers[name] = server;
    restarts[name] = async () => {
      servers[name] = await startServer({ name, address: addresses[name], services, logger, serviceSecret });
    };
    closers.push(async () => {
      if (!stopped.has(name)) await servers[name].shutdown(1_000);
      await setup.close?.();
    });
  }

  const jwksEnv = auth?.jwksUrl && !env.JWKS_URL ? { JWKS_URL: auth.jwksUrl } : {};
  const config = loadConfig({ ...env, ...jwksEnv, PORT: '0', HOST: '127.0.0.1', ADMIN_PORT: '0', ...addressEnv(addresses) });
  const gateway = await startGateway(config, { processMetrics: false, tokenClock: options.tokenClock, events: eventsClient() });
  const tokens = tokenConfigFromEnv(env);
  const replicas: Gateway[] = [];
  let seededCreatedAt: Map<string, string> | undefined;

  const callsByMethod = () => {
    const calls: Record<string, number> = {};
    for (const name of SERVICE_NAMES) {
      if (external[name] !== undefined) continue;
      for (const [path, count] of servers[name].calls) calls[`${name}.${path.slice(path.lastIndexOf('/') + 1)}`] = count;
    }
    return calls;
  };

  return {
    url: gateway.url,
    adminUrl: gateway.adminUrl,
    gateway,
    servers,
    signingKeys: auth?.signingKeys,
    callsByMethod,
    totalCalls: () => Object.values(callsByMethod()).reduce((sum, count) => sum + count, 0),
    async login(email) {
      const response = await graphql<{ login: { accessToken: string } }>(
        gateway.url,
        `mutation($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { accessToken } }`,
        { variables: { email, password: seed.demoPassword } },
      );
      const token = response.data?.login.accessToken;
      if (!token) throw new Error(`login as ${email} failed: ${JSON.stringify(response.errors)}`);
      return token;
    },
    signToken(claims) {
      seededCreatedAt ??= new Map(seedUsers(seed).map((user) => [user.id, user.createdAt.toISOString()]));
      const createdAt = seededCreatedAt.get(claims.sub);
      return signAccessToken(tokens, createdAt === undefined ? claims : { [ACCOUNT_CREATED_AT_CLAIM]: createdAt, ...claims });
    },
    setFault(name, fault) {
      if (fault) faults.set(name, fault);
      else faults.delete(name);
    },
    async stopService(name) {
      if (external[name] !== undefined) throw new Error(`${name} runs outside the stack`);
      stopped.add(name);
      await servers[name].shutdown(0);
    },
    async restartService(name) {
      if (external[name] !== undefined) throw new Error(`${name} runs outside the stack`);
      if (!stopped.has(name)) throw new Error(`${name} is running`);
      await restarts[name]();
      stopped.delete(name);
    },
    async startGateway(replicaEnv = {}) {
      const replicaConfig = loadConfig({ ...env, ...jwksEnv, ...replicaEnv, PORT: '0', HOST: '127.0.0.1', ADMIN_PORT: '0', ...addressEnv(addresses) });
      const replica = await startGateway(replicaConfig, { processMetrics: false, tokenClock: options.tokenClock, events: eventsClient() });
      replicas.push(replica);
      return replica;
    },
    async stop() {
      for (const replica of replicas) await replica.stop();
      await gateway.stop();
      for (const close of closers.reverse()) await close();
      await Promise.all(buses.map((bus) => bus.close()));
    },
    events: eventsClient,
  };
}

/** Puts the current fault, if any, in front of every handler of `binding`. */
function withFaults(binding: ServiceBinding, fault: () => ServiceFault | undefined): ServiceBinding {
  const implementation = binding.implementation as Record<string, UnaryHandler<unknown, unknown>>;
  const wrapped: Record<string, UnaryHandler<unknown, unknown>> = {};
  for (const [key, handler] of Object.entries(implementation)) {
    wrapped[key] = async (request, call) => {
      await fault()?.(key, call);
      return handler(request, call);
    };
  }
  return { definition: binding.definition, implementation: wrapped as ServiceBinding['implementation'] };
}

function addressEnv(addresses: Record<ServiceName, string>): NodeJS.ProcessEnv {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [SERVICES[name].env, addresses[name]]));
}
