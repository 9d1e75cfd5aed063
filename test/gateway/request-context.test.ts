import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { InvalidTokenError } from '../../src/auth/verify-token.js';
import type { Viewer } from '../../src/auth/viewer.js';
import { ExecutionBudget } from '../../src/demand-control/index.js';
import { GatewayErrorCode } from '../../src/errors.js';
import { ServiceApiTemplates } from '../../src/grpc/service-apis.js';
import { createRequestContext, type RequestContextDependencies } from '../../src/request-context.js';
import type { ServicePolicies } from '../../src/resilience/policies.js';
import { REQUEST_ID_HEADER } from '../../src/telemetry/http-metrics.js';
import { createGatewayLogger } from '../../src/telemetry/logger.js';

const ALICE: Viewer = { id: 'usr_alice', accountCreatedAt: 0, roles: ['user'], scopes: ['read', 'write'] };

/**
 * Stand-ins for what the gateway shares across requests. With no clients there
 * are no service APIs to call, which building a context never does: the
 * sources call them only when a resolver reads or writes something.
 */
function dependencies(overrides: Partial<RequestContextDependencies> = {}): { deps: RequestContextDependencies; logged: Record<string, unknown>[] } {
  const logged: Record<string, unknown>[] = [];
  const logger = createGatewayLogger('info', { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
  const deps: RequestContextDependencies = {
    config: {
      rpcTimeoutMs: 1_000,
      serviceSecret: 'test-service-secret',
      production: false,
      resilience: { requestBudgetMs: 2_000 },
      subscriptions: { bufferEvents: 64 },
    },
    clients: {} as RequestContextDependencies['clients'],
    serviceApis: new ServiceApiTemplates({} as RequestContextDependencies['clients'], {} as ServicePolicies),
    shared: {} as RequestContextDependencies['shared'],
    profiles: {} as RequestContextDependencies['profiles'],
    demand: { budget: () => new ExecutionBudget(null) },
    metrics: { onLoaderBatch: () => {} },
    viewerOf: async () => null,
    logger,
    ...overrides,
  };
  return { deps, logged };
}

function request(headers: Record<string, string | string[]> = {}): Request {
  return { headers, ip: '203.0.113.7', socket: {} } as unknown as Request;
}

describe('createRequestContext', () => {
  it('a signed-in request pays as its viewer, an anonymous one as its address', async () => {
    const signedIn = await createRequestContext(dependencies({ viewerOf: async () => ALICE }).deps, request());
    assert.equal(signedIn.viewer, ALICE);
    assert.deepEqual(signedIn.payer, { key: 'user:usr_alice', signedIn: true });

    const anonymous = await createRequestContext(dependencies().deps, request());
    assert.equal(anonymous.viewer, null);
    assert.deepEqual(anonymous.payer, { key: 'ip:203.0.113.7', signedIn: false });
  });

  it('each request gets state of its own: budget, sources (and their loaders), call records, degraded errors, signed-in accounts', async () => {
    const { deps } = dependencies();
    const [first, second] = await Promise.all([createRequestContext(deps, request()), createRequestContext(deps, request())]);
    assert.notEqual(first.budget, second.budget);
    assert.notEqual(first.sources, second.sources);
    for (const name of Object.keys(first.sources) as (keyof typeof first.sources)[]) assert.notEqual(first.sources[name], second.sources[name], name);
    assert.notEqual(first.calls, second.calls);
    assert.notEqual(first.degraded, second.degraded);
    assert.notEqual(first.signedIn, second.signedIn);
  });

  it('calls are recorded outside production always, and in production only for a token with the debug scope', async () => {
    const development = dependencies({ viewerOf: async () => null }).deps;
    assert.equal((await createRequestContext(development, request())).calls.enabled, true);

    const production = (viewer: Viewer | null) =>
      dependencies({ viewerOf: async () => viewer, config: { ...development.config, production: true } }).deps;
    assert.equal((await createRequestContext(production(null), request())).calls.enabled, false);
    assert.equal((await createRequestContext(production(ALICE), request())).calls.enabled, false);
    const debugging: Viewer = { ...ALICE, scopes: ['read', 'write', 'debug'] };
    assert.equal((await createRequestContext(production(debugging), request())).calls.enabled, true);
  });

  it('the Idempotency-Key header is trimmed, the first of repeated ones counts, and a blank one is none', async () => {
    const { deps } = dependencies();
    assert.equal((await createRequestContext(deps, request({ 'idempotency-key': '  key-1 ' }))).idempotencyKey, 'key-1');
    assert.equal((await createRequestContext(deps, request({ 'idempotency-key': ['key-2', 'key-3'] }))).idempotencyKey, 'key-2');
    assert.equal((await createRequestContext(deps, request({ 'idempotency-key': '   ' }))).idempotencyKey, null);
    assert.equal((await createRequestContext(deps, request())).idempotencyKey, null);
  });

  it('a token that does not verify rejects with its own error, neither masked nor logged', async () => {
    const refused = new InvalidTokenError('The access token has expired.');
    const { deps, logged } = dependencies({ viewerOf: async () => Promise.reject(refused) });
    await assert.rejects(createRequestContext(deps, request()), (error) => error === refused);
    assert.deepEqual(logged, []);
  });

  it('a context that cannot be built is logged with its request id and rejects as INTERNAL_SERVER_ERROR, its cause hidden', async () => {
    const { deps, logged } = dependencies({
      demand: {
        budget: () => {
          throw new Error('budget store exploded');
        },
      },
    });
    await assert.rejects(createRequestContext(deps, request({ [REQUEST_ID_HEADER]: 'req-42' })), (error: unknown) => {
      const { extensions, message } = error as { extensions: { code: string }; message: string };
      assert.equal(extensions.code, GatewayErrorCode.InternalServerError);
      assert.doesNotMatch(message, /exploded/);
      return true;
    });
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.msg, 'context creation failed');
    assert.equal(logged[0]?.requestId, 'req-42');
    assert.match(JSON.stringify(logged[0]?.err), /budget store exploded/);
  });
});
