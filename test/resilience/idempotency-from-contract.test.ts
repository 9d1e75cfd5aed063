import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERVICE_NAMES, type ServiceName } from '../../platform/addresses.js';
import { loadConfig } from '../../src/config/index.js';
import { SERVICE_CONTRACTS, idempotencyLevel, mayRetry, type ServiceContract } from '../../src/grpc/idempotency.js';
import { ServiceApiTemplates } from '../../src/grpc/service-apis.js';
import { SERVICE_DEFINITIONS, type ServiceClients } from '../../src/grpc/service-clients.js';
import { createServicePolicies } from '../../src/resilience/policies.js';

interface MethodRef {
  service: ServiceName;
  /** As keyed in the definitions, `batchGetUsers`. */
  method: string;
  /** As the service sees it, `/pinstack.users.v1.UsersService/BatchGetUsers`. */
  path: string;
  /** Short and readable for assertion messages: `users.BatchGetUsers`. */
  label: string;
}

/** Every method the gateway can call, from the grpc-js definitions its clients are built from. */
function everyMethod(): MethodRef[] {
  return SERVICE_NAMES.flatMap((service) =>
    Object.entries(SERVICE_DEFINITIONS[service]).map(([method, definition]) => ({
      service,
      method,
      path: definition.path,
      label: `${service}.${definition.path.slice(definition.path.lastIndexOf('/') + 1)}`,
    })),
  );
}

/**
 * The reads of the protos: every method that changes nothing, checked against
 * its implementation in services/<name>/service.ts. Adding a read to a proto
 * means adding it here, with its option.
 */
const DECLARED_READS = [
  'notifications.ListNotifications',
  'posts.BatchGetLikeStats',
  'posts.BatchGetPosts',
  'posts.BatchListPostsByAuthor',
  'posts.ListFeed',
  'recommendations.BatchGetRecommendations',
  'relations.BatchGetFollowStats',
  'relations.BatchGetFollowStatus',
  'relations.BatchListFollowers',
  'relations.BatchListFollowing',
  'users.BatchGetUsers',
  'users.SearchUsers',
];

/** A failure grpc-js reports when the call did not get through; the read policy retries it. */
function unavailable(): ServiceError {
  return Object.assign(new Error('14 UNAVAILABLE: connection reset'), {
    code: status.UNAVAILABLE,
    details: 'connection reset',
    metadata: new Metadata(),
  });
}

describe('retries decided by the contract (idempotency_level in the protos)', () => {
  it('every method the gateway calls has a contract under the same gRPC path, and no contract method is missing a client', () => {
    for (const { service, method, path } of everyMethod()) {
      const contract: ServiceContract = SERVICE_CONTRACTS[service];
      assert.ok(Object.hasOwn(contract.methods, method), `${path} has no contract entry under "${method}"`);
      assert.equal(`/${contract.fullName}/${contract.methods[method]!.name}`, path);
    }
    for (const service of SERVICE_NAMES) {
      assert.deepEqual(Object.keys(SERVICE_CONTRACTS[service].methods).sort(), Object.keys(SERVICE_DEFINITIONS[service]).sort());
    }
  });

  it('a method is retryable exactly when its proto declares NO_SIDE_EFFECTS, and these are the reads', (t) => {
    const retryable: string[] = [];
    for (const { service, method, label } of everyMethod()) {
      const level = idempotencyLevel(service, method);
      assert.equal(mayRetry(service, method), level === 'NO_SIDE_EFFECTS', `${label} is ${level}`);
      if (mayRetry(service, method)) retryable.push(label);
      t.diagnostic(`${label}: ${level}${mayRetry(service, method) ? ', retried' : ''}`);
    }
    assert.deepEqual(retryable.sort(), DECLARED_READS);
  });

  it('writes that are IDEMPOTENT are declared so but still never retried', () => {
    const idempotentWrites = everyMethod()
      .filter(({ service, method }) => idempotencyLevel(service, method) === 'IDEMPOTENT')
      .map(({ service, method, label }) => ({ label, retried: mayRetry(service, method) }))
      .sort((a, b) => a.label.localeCompare(b.label));
    assert.deepEqual(idempotentWrites, [
      { label: 'auth.Logout', retried: false },
      { label: 'notifications.MarkRead', retried: false },
      { label: 'posts.LikePost', retried: false },
      { label: 'posts.UnlikePost', retried: false },
      { label: 'relations.Follow', retried: false },
      { label: 'relations.Unfollow', retried: false },
    ]);
  });

  it('a method the contract does not know, or an inherited property name, is never retried', () => {
    assert.equal(idempotencyLevel('users', 'batchGetUserz'), 'IDEMPOTENCY_UNKNOWN');
    assert.equal(mayRetry('users', 'batchGetUserz'), false);
    assert.equal(mayRetry('users', 'toString'), false);
    assert.equal(mayRetry('users', 'constructor'), false);
  });

  it('through the service APIs, each method answered UNAVAILABLE once is sent again only when it is NO_SIDE_EFFECTS', async () => {
    const attempts = new Map<string, number>();
    const clients = Object.fromEntries(
      SERVICE_NAMES.map((service) => [
        service,
        {
          api: Object.fromEntries(
            Object.keys(SERVICE_DEFINITIONS[service]).map((method) => [
              method,
              async () => {
                const key = `${service}.${method}`;
                const attempt = (attempts.get(key) ?? 0) + 1;
                attempts.set(key, attempt);
                if (attempt === 1) throw unavailable();
                return {};
              },
            ]),
          ),
        },
      ]),
    ) as unknown as ServiceClients;
    const { resilience } = loadConfig({
      RPC_RETRY_INITIAL_DELAY_MS: '1',
      RPC_RETRY_MAX_DELAY_MS: '1',
      // Failing writes must not open a breaker and hide later methods' behaviour.
      CIRCUIT_CONSECUTIVE_FAILURES: '1000',
    });
    const apis = new ServiceApiTemplates(clients, createServicePolicies(resilience)).forRequest({
      budgetEndsAt: Date.now() + 60_000,
      rpcTimeoutMs: 60_000,
    });

    const retried: string[] = [];
    for (const { service, method, label } of everyMethod()) {
      const api = apis[service] as Record<string, (request: unknown) => Promise<unknown>>;
      const outcome = await api[method]!({}).then(
        () => 'answered',
        () => 'failed',
      );
      const sent = attempts.get(`${service}.${method}`);
      if (mayRetry(service, method)) {
        assert.deepEqual({ label, sent, outcome }, { label, sent: 2, outcome: 'answered' });
        retried.push(label);
      } else {
        assert.deepEqual({ label, sent, outcome }, { label, sent: 1, outcome: 'failed' });
      }
    }
    assert.deepEqual(retried.sort(), DECLARED_READS);
  });
});
