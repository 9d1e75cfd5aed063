import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { startGateway } from '../../src/gateway.js';
import { graphql } from '../support/graphql.js';
import { route } from '../support/metrics.js';
import { PRODUCTION_ENV, startStack, type TestStack } from '../support/stack.js';
import { holdCalls } from '../overload/support.js';

const OPERATIONAL_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

/** A GET's status, content type and body, read whole. */
async function get(url: string | URL): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

for (const [mode, env] of [
  ['development', {}],
  // Production logs every request at info; the test reads none of it.
  ['production', { ...PRODUCTION_ENV, LOG_LEVEL: 'silent' }],
] as const) {
  describe(`the operational listener, in ${mode}`, () => {
    let stack: TestStack;
    before(async () => {
      stack = await startStack({ env });
    });
    after(() => stack?.stop());

    it('is on loopback, on a port of its own', () => {
      assert.match(stack.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(new URL(stack.adminUrl).port, new URL(stack.url).port);
    });

    it('the public port answers /healthz, /readyz and /metrics as any unknown path: 404, revealing nothing', async () => {
      const unknown = await get(new URL('/no-such-path', stack.url));
      assert.equal(unknown.status, 404);
      for (const path of OPERATIONAL_PATHS) {
        const answer = await get(new URL(path, stack.url));
        assert.deepEqual({ ...answer, body: answer.body.replaceAll(path, '/no-such-path') }, unknown, path);
        assert.doesNotMatch(answer.body, /# TYPE|process_|nodejs_|"ready"|"failing"|"status"/, path);
      }
      // GraphQL itself is where it was.
      const response = await graphql<{ user: { id: string } }>(stack.url, '{ user(id: "usr_1") { id } }');
      assert.deepEqual(response.data, { user: { id: 'usr_1' } });
    });

    it('serves /healthz, /readyz and /metrics as the public port did, counting each probe, and no GraphQL', async () => {
      const health = await get(route(stack, '/healthz'));
      assert.equal(health.status, 200);
      assert.deepEqual(JSON.parse(health.body), { status: 'ok' });

      const ready = await get(route(stack, '/readyz'));
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.body), { ready: true, failing: [], degraded: [] });

      const metrics = await get(route(stack, '/metrics'));
      assert.equal(metrics.status, 200);
      assert.match(metrics.type ?? '', /^text\/plain/);
      assert.match(metrics.body, /^http_requests_total\{method="GET",route="\/healthz",status_code="200"\} [1-9]/m);
      assert.match(metrics.body, /^http_requests_total\{method="GET",route="\/readyz",status_code="200"\} [1-9]/m);

      const graphqlThere = await fetch(`${stack.adminUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      assert.equal(graphqlThere.status, 404);
      await graphqlThere.body?.cancel();
    });
  });
}

describe('the operational listener while the gateway shuts down', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.stop());

  it('answers /readyz 503 draining and /healthz 200 while requests in flight finish, then closes with the public port', async () => {
    const replica = await stack.startGateway({ PROFILE_CACHE_TTL_SECONDS: '0' });
    const held = holdCalls();
    stack.setFault('users', held.fault);
    try {
      const inFlight = graphql<{ user: { id: string } }>(replica.url, '{ user(id: "usr_2") { id } }');
      await held.arrived(1);

      const stopped = replica.stop();
      const ready = await get(route(replica, '/readyz'));
      assert.equal(ready.status, 503);
      assert.deepEqual(JSON.parse(ready.body), { ready: false, failing: ['draining'], degraded: [] });
      // Liveness holds: a replica that is draining must not be restarted.
      assert.equal((await get(route(replica, '/healthz'))).status, 200);
      assert.equal((await get(route(replica, '/metrics'))).status, 200);

      held.open();
      assert.deepEqual((await inFlight).data, { user: { id: 'usr_2' } });
      await stopped;
      await assert.rejects(fetch(route(replica, '/healthz')), 'the operational listener is closed');
      await assert.rejects(fetch(replica.url, { method: 'POST' }), 'the public listener is closed');
    } finally {
      held.open();
      stack.setFault('users', null);
    }
  });
});

describe('ADMIN_HOST and ADMIN_PORT', () => {
  it('default to loopback port 9464, in development and in production, even when HOST opens the public port to every interface', () => {
    for (const env of [{}, PRODUCTION_ENV]) {
      const config = loadConfig({ ...env, HOST: '0.0.0.0' });
      assert.equal(config.adminHost, '127.0.0.1');
      assert.equal(config.adminPort, 9464);
    }
  });

  it('move the listener; with PORT=0 it takes a free port too; it may not share the public port', () => {
    const moved = loadConfig({ ADMIN_HOST: '0.0.0.0', ADMIN_PORT: '9100' });
    assert.deepEqual([moved.adminHost, moved.adminPort], ['0.0.0.0', 9100]);
    assert.equal(loadConfig({ PORT: '0' }).adminPort, 0);
    assert.throws(() => loadConfig({ PORT: '8080', ADMIN_PORT: '8080' }), ConfigError);
    assert.throws(() => loadConfig({ ADMIN_PORT: '70000' }), /ADMIN_PORT/);
  });

  it('a gateway whose ADMIN_PORT is taken refuses to start, naming the setting', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as { port: number };
      const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: String(port) });
      await assert.rejects(startGateway(config, { processMetrics: false }), /ADMIN_HOST, ADMIN_PORT/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
