import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PostsServiceService } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { createLogger } from '../../services/common/logger.js';
import { DEFAULT_SEED } from '../../services/common/seed/config.js';
import { startServer, type RunningServer, type ServiceBinding } from '../../services/common/server.js';
import { tokenConfigFromEnv } from '../../platform/token-config.js';
import { setupPostsService } from '../../services/posts/setup.js';
import { ownRedis, redisServerSkipReason, type OwnRedis } from '../support/redis.js';
import { OtlpReceiver, SPAN_KIND, STATUS_ERROR, type ReceivedSpan } from './otlp-receiver.js';
import { accepts, freePort, postOnNewConnection, startTraced, waitUntil, type TracedProcess } from './processes.js';
import { signAccessToken } from '../support/tokens.js';
import { Registry } from 'prom-client';
import { createInProcessBus } from '../../platform/events/index.js';

const SEED = { ...DEFAULT_SEED, users: 20, posts: 40, followsPerUser: 3, likesPerPost: 1, demoAccounts: 2 };

/** Why the Redis tests cannot run here (no redis-server to start), or false; under CI they must run. */
const noRedis = redisServerSkipReason();

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A W3C `traceparent` for a sampled trace, as a browser or a proxy in front of the gateway would send. */
function traceparent(): { header: string; traceId: string; parentId: string } {
  const traceId = hex(16);
  const parentId = hex(8);
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

/** Whether `ancestor` is `span`'s parent, grandparent, ... within `spans`. */
function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, spans: ReceivedSpan[]): boolean {
  const byId = new Map(spans.map((each) => [each.spanId, each]));
  for (let current = byId.get(span.parentSpanId); current; current = byId.get(current.parentSpanId)) {
    if (current.spanId === ancestor.spanId) return true;
  }
  return false;
}

function only(spans: ReceivedSpan[], what: string, match: (span: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(match);
  assert.equal(found.length, 1, `expected one ${what}, got ${found.length}: ${JSON.stringify(spans.map((s) => `${s.service}: ${s.name}`))}`);
  return found[0]!;
}

describe('observability of the gateway and the services, as separate processes', () => {
  let receiver: OtlpReceiver;
  let users: TracedProcess;
  let gateway: TracedProcess;
  let posts: RunningServer;
  let closePosts: () => Promise<void> | void = () => {};
  let url: string;
  let usersMetrics: string;
  /** The gateway's operational listener (`/healthz`, `/readyz`, `/metrics`). */
  let admin: string;
  let redis: OwnRedis | undefined;
  /** While set, the posts service holds BatchGetPosts calls until it resolves. */
  let postsGate: Promise<void> | null = null;

  before(async () => {
    receiver = await OtlpReceiver.start();
    if (!noRedis) {
      redis = await ownRedis();
      await redis.start();
    }
    const [usersPort, usersMetricsPort, gatewayPort, adminPort, nowherePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    usersMetrics = `http://127.0.0.1:${usersMetricsPort}/metrics`;
    const nowhere = `127.0.0.1:${nowherePort}`;

    // The posts service runs in this process, its real implementation behind a
    // gate, so that a test can hold a request in flight for as long as it needs.
    const setup = await setupPostsService({ seed: SEED, env: { NODE_ENV: 'test' }, logger: createLogger('posts'), address: () => nowhere, events: createInProcessBus(), registry: new Registry() });
    closePosts = () => setup.close?.();
    const services = setup.services.map((binding): ServiceBinding => {
      if (binding.definition !== PostsServiceService) return binding;
      const implementation = binding.implementation as Record<string, (request: unknown, call: unknown) => unknown>;
      return {
        definition: binding.definition,
        implementation: {
          ...implementation,
          batchGetPosts: async (request: unknown, call: unknown) => {
            await postsGate;
            return implementation.batchGetPosts!(request, call);
          },
        },
      } as unknown as ServiceBinding;
    });
    posts = await startServer({ name: 'posts', address: '127.0.0.1:0', services, logger: createLogger('posts') });

    const telemetry = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // Export within a tenth of a second, so the test waits for spans, not for a timer.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    users = startTraced('services/users/main.ts', 'services/common/instrumentation.ts', {
      ...telemetry,
      LISTEN_ADDR: `127.0.0.1:${usersPort}`,
      METRICS_ADDR: `127.0.0.1:${usersMetricsPort}`,
      SEED_USERS: String(SEED.users),
      SEED_POSTS: String(SEED.posts),
      LOG_LEVEL: 'silent',
    });
    gateway = startTraced('src/main.ts', 'src/instrumentation.ts', {
      ...telemetry,
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
      ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `pinstack-test:telemetry:${hex(4)}:` } : {}),
      USERS_SERVICE_ADDR: `127.0.0.1:${usersPort}`,
      POSTS_SERVICE_ADDR: posts.address,
      AUTH_SERVICE_ADDR: nowhere,
      RELATIONS_SERVICE_ADDR: nowhere,
      NOTIFICATIONS_SERVICE_ADDR: nowhere,
      RECOMMENDATIONS_SERVICE_ADDR: nowhere,
    });
    admin = `http://127.0.0.1:${adminPort}`;
    url = `http://127.0.0.1:${gatewayPort}/graphql`;
    await waitUntil('the users service to listen', () => accepts(usersPort));
    await waitUntil('the gateway to answer /healthz', async () => {
      if (gateway.child.exitCode !== null) throw new Error(`gateway exited: ${gateway.lines.join('\n')}`);
      return (await fetch(`${admin}/healthz`).catch(() => null))?.ok;
    });
  });

  after(async () => {
    await gateway?.stop();
    if (users) {
      users.child.kill('SIGTERM');
      await users.exited;
    }
    await posts?.shutdown(0);
    await redis?.kill();
    await closePosts();
    await receiver?.close();
  });

  it('one query makes one trace: HTTP span, operation, DataLoader batch, gRPC client span, and the users service span as its child, with the caller’s baggage', async () => {
    const { header, traceId, parentId } = traceparent();
    const query = 'query UserById($id: ID!) { user(id: $id) { id username } }';
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: header, baggage: 'tenant=acme' },
      body: JSON.stringify({ query, variables: { id: 'usr_1' } }),
    });
    const body = (await response.json()) as { data?: { user?: { id: string } } };
    assert.equal(body.data?.user?.id, 'usr_1');

    const spans = await receiver.waitForTrace(
      traceId,
      (found) =>
        found.some((span) => span.service === 'pinstack-users' && span.kind === SPAN_KIND.server) &&
        found.some((span) => span.service === 'pinstack-gateway' && span.kind === SPAN_KIND.server),
    );

    const http = only(spans, 'gateway HTTP server span', (s) => s.service === 'pinstack-gateway' && s.kind === SPAN_KIND.server);
    assert.equal(http.parentSpanId, parentId, 'the HTTP span continues the caller’s trace context');
    assert.equal(http.name, 'POST /graphql');

    const operation = only(spans, 'operation span', (s) => s.name === 'graphql query UserById');
    assert.equal(operation.service, 'pinstack-gateway');
    assert.ok(descendsFrom(operation, http, spans), 'the operation span sits under the HTTP span');
    assert.equal(operation.attributes['graphql.operation.name'], 'UserById');
    assert.equal(operation.attributes['graphql.operation.type'], 'query');
    assert.equal(operation.attributes['graphql.document.hash'], createHash('sha256').update(query).digest('hex'));

    const batch = only(spans, 'DataLoader batch span', (s) => s.name === 'dataloader.batch usersById');
    assert.equal(batch.attributes['dataloader.batch.size'], 1);
    assert.ok(descendsFrom(batch, operation, spans), 'the batch sits under the operation');

    const client = only(spans, 'gRPC client span', (s) => s.service === 'pinstack-gateway' && s.kind === SPAN_KIND.client && s.name.startsWith('grpc.'));
    assert.match(client.name, /UsersService\/BatchGetUsers$/);
    assert.ok(descendsFrom(client, batch, spans), 'the RPC sits under the batch that sent it');

    const server = only(spans, 'users server span', (s) => s.service === 'pinstack-users' && s.kind === SPAN_KIND.server);
    assert.match(server.name, /UsersService\/BatchGetUsers$/);
    assert.equal(server.parentSpanId, client.spanId, 'the service span is the child of the gateway’s client span');
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.deepEqual([http.serviceVersion, server.serviceVersion], [version, version], 'each process reports its version');
    assert.equal(server.attributes['baggage.tenant'], 'acme', 'the caller’s baggage reaches the service');
  });

  it('a service counts the RPCs it handles on its own /metrics, by method and code', async () => {
    const handled = async () => {
      const text = await (await fetch(usersMetrics)).text();
      const line = text.split('\n').find((each) => each.startsWith('grpc_server_handled_total{') && each.includes('method="BatchGetUsers"') && each.includes('code="OK"'));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const before = await handled();
    for (const id of ['usr_3', 'usr_4']) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query UserById($id: ID!) { user(id: $id) { id } }', variables: { id } }),
      });
      assert.equal(response.status, 200);
    }
    assert.equal((await handled()) - before, 2);
  });

  it('an operation that fails gets the error status and its GraphQL error code on its span', async () => {
    const { header, traceId } = traceparent();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: header },
      body: JSON.stringify({ query: 'query MyNotifications { notifications(first: 1) { edges { node { id } } } }' }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');

    const spans = await receiver.waitForTrace(traceId, (found) => found.some((span) => span.name === 'graphql query MyNotifications'));
    const operation = only(spans, 'operation span', (s) => s.name === 'graphql query MyNotifications');
    assert.equal(operation.statusCode, STATUS_ERROR);
    assert.deepEqual(operation.attributes['graphql.error.codes'], ['UNAUTHENTICATED']);
  });

  it('the log line of a request that carried a token and a password has its ids and contains neither', async () => {
    const tokens = tokenConfigFromEnv({ NODE_ENV: 'test' });
    const token = await signAccessToken(tokens, { sub: 'usr_2' });
    const password = `pw-${hex(12)}`;
    const requestId = `req-${hex(8)}`;
    const { header, traceId } = traceparent();
    const linesBefore = gateway.lines.length;

    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId, traceparent: header },
      body: JSON.stringify({
        query: 'mutation SignIn($input: LoginInput!) { login(input: $input) { accessToken } }',
        variables: { input: { email: 'user1@example.com', password } },
      }),
    });

    const line = await waitUntil('the request’s log line', () =>
      gateway.lines.slice(linesBefore).find((text) => text.includes(requestId) && text.includes('graphql request')),
    );
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.requestId, requestId);
    assert.equal(record.trace_id, traceId);
    assert.match(String(record.span_id), /^[0-9a-f]{16}$/);
    assert.equal(record.operationName, 'SignIn');
    assert.equal(record.operationType, 'mutation');
    assert.equal(record.outcome, 'error');
    assert.equal(typeof record.durationMs, 'number');
    assert.equal(typeof record.time, 'string');
    assert.equal(record.variables, undefined, 'variables are logged only with LOG_VARIABLES=true (see secrets.test.ts)');
    for (const text of gateway.lines.slice(linesBefore)) {
      assert.ok(!text.includes(password), `a log line contains the password: ${text}`);
      assert.ok(!text.includes(token), `a log line contains the token: ${text}`);
    }
  });

  it('the Redis commands a request sends are spans under its operation', { skip: noRedis }, async () => {
    const { header, traceId } = traceparent();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: header },
      body: JSON.stringify({ query: 'query Typename { __typename }' }),
    });
    assert.equal(response.status, 200);
    const isRedis = (span: ReceivedSpan) => span.attributes['db.system'] === 'redis' || span.attributes['db.system.name'] === 'redis';
    const spans = await receiver.waitForTrace(
      traceId,
      (found) => found.some(isRedis) && found.some((span) => span.name === 'graphql query Typename'),
    );
    const operation = only(spans, 'operation span', (span) => span.name === 'graphql query Typename');
    assert.ok(
      spans.filter(isRedis).every((span) => descendsFrom(span, operation, spans)),
      'every Redis span belongs to the operation that sent it',
    );
  });

  it('/readyz names each failing part: the stopped services, and Redis as degraded once it stops answering', { skip: noRedis }, async () => {
    const readyz = async () => {
      const response = await fetch(`${admin}/readyz`);
      return { status: response.status, ...((await response.json()) as { failing: string[]; degraded: string[] }) };
    };
    const first = await readyz();
    // Only users and posts run: the other four services are named, Redis is not.
    assert.deepEqual(first, {
      status: 503,
      ready: false,
      failing: ['auth', 'relations', 'notifications', 'recommendations'],
      degraded: [],
    });
    await redis!.kill();
    // Rate limiting fails open by default, so the gateway answers without Redis:
    // Redis is named as degraded, not as a reason to leave the load balancer.
    const withoutRedis = await waitUntil('/readyz to name Redis', async () => {
      const report = await readyz();
      return report.degraded.includes('redis') ? report : undefined;
    });
    assert.deepEqual(withoutRedis.failing, ['auth', 'relations', 'notifications', 'recommendations']);
  });

  it('on SIGTERM a query in flight completes with its data, a new request is refused, spans are flushed, and the gateway exits 0', async () => {
    let release!: () => void;
    postsGate = new Promise<void>((resolve) => (release = resolve));
    const callsBefore = posts.callCount('BatchGetPosts');
    const { header, traceId } = traceparent();
    const inFlight = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: header },
      body: JSON.stringify({ query: 'query PostById { post(id: "pst_1") { id title } }' }),
    });
    await waitUntil('the query to reach the posts service', () => posts.callCount('BatchGetPosts') > callsBefore);

    gateway.child.kill('SIGTERM');
    // Until the signal is handled, new requests are still answered; a connection
    // caught in the listen backlog as the listener closes is reset. Once the
    // listener is closed, every new connection is refused.
    await waitUntil('new connections to be refused', async () => {
      const attempt = await postOnNewConnection(url, { query: '{ __typename }' });
      return 'error' in attempt && attempt.error === 'ECONNREFUSED';
    });
    assert.equal(gateway.child.exitCode, null, 'the gateway waits for the query in flight');

    release();
    const response = await inFlight;
    assert.equal(response.status, 200);
    const body = (await response.json()) as { data?: { post?: { id: string; title: string } }; errors?: unknown };
    assert.equal(body.errors, undefined);
    assert.equal(body.data?.post?.id, 'pst_1');
    assert.equal(await gateway.exited, 0);
    // The exporter waits for the receiver's answer before the process exits:
    // spans flushed on shutdown are here already, with no waiting.
    assert.ok(
      receiver.trace(traceId).some((span) => span.name === 'graphql query PostById'),
      'the spans of the drained request were flushed before exit',
    );
  });

  it('a service on SIGTERM finishes and exits 0', async () => {
    users.child.kill('SIGTERM');
    assert.equal(await users.exited, 0);
  });
});
