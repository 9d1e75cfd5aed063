import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphql } from '../support/graphql.js';
import { route, scrape } from '../support/metrics.js';
import { startStack, type TestStack } from '../support/stack.js';
import { waitUntil } from './processes.js';

/** Every sample of a Prometheus text exposition, keyed `name{label="value",...}` as printed. */

/** How much each of `series` moved between two scrapes (0 for a series that appeared at 0). */
function growth(before: Map<string, number>, after: Map<string, number>, series: string[]): Record<string, number> {
  return Object.fromEntries(series.map((key) => [key, (after.get(key) ?? 0) - (before.get(key) ?? 0)]));
}

describe('/metrics, /healthz and /readyz', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.stop());

  it('after a known series of requests, each count moves by exactly that much', async () => {
    const before = await scrape(stack);

    const byId = 'query UserById($id: ID!) { user(id: $id) { id username } }';
    for (const id of ['usr_1', 'usr_2']) {
      const response = await graphql(stack.url, byId, { variables: { id } });
      assert.equal(response.errors, undefined);
    }
    const twoUsers = await graphql(stack.url, 'query TwoUsers { users(ids: ["usr_3", "usr_4"]) { id } }');
    assert.equal(twoUsers.errors, undefined);
    // A field that does not exist: the document fails validation, so its name must not become a label.
    // Under application/graphql-response+json a request error is a 400 (under application/json, a 200).
    const invalid = await graphql(stack.url, 'query MadeUpName { noSuchField }', { headers: { accept: 'application/graphql-response+json' } });
    assert.equal(invalid.status, 400);
    const unauthenticated = await graphql(stack.url, 'query Mine { me { id } }');
    assert.equal(unauthenticated.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');

    const after = await scrape(stack);
    assert.deepEqual(
      growth(before, after, [
        'http_requests_total{method="POST",route="/graphql",status_code="200"}',
        'http_requests_total{method="POST",route="/graphql",status_code="400"}',
        'http_request_duration_seconds_count{method="POST",route="/graphql",status_code="200"}',
        'graphql_operations_total{operation_name="UserById",operation_type="query",outcome="success"}',
        'graphql_operations_total{operation_name="TwoUsers",operation_type="query",outcome="success"}',
        'graphql_operations_total{operation_name="unknown",operation_type="unknown",outcome="error"}',
        'graphql_operations_total{operation_name="Mine",operation_type="query",outcome="partial"}',
        'graphql_operation_duration_seconds_count{operation_name="UserById",operation_type="query"}',
        'gateway_grpc_client_calls_total{service="users",method="BatchGetUsers",code="OK"}',
        'gateway_grpc_client_duration_seconds_count{service="users",method="BatchGetUsers"}',
        'gateway_dataloader_batch_size_count{loader="usersById"}',
        'gateway_dataloader_batch_size_sum{loader="usersById"}',
      ]),
      {
        'http_requests_total{method="POST",route="/graphql",status_code="200"}': 4,
        'http_requests_total{method="POST",route="/graphql",status_code="400"}': 1,
        'http_request_duration_seconds_count{method="POST",route="/graphql",status_code="200"}': 4,
        'graphql_operations_total{operation_name="UserById",operation_type="query",outcome="success"}': 2,
        'graphql_operations_total{operation_name="TwoUsers",operation_type="query",outcome="success"}': 1,
        'graphql_operations_total{operation_name="unknown",operation_type="unknown",outcome="error"}': 1,
        'graphql_operations_total{operation_name="Mine",operation_type="query",outcome="partial"}': 1,
        'graphql_operation_duration_seconds_count{operation_name="UserById",operation_type="query"}': 2,
        // One batch RPC per request: two single lookups and one lookup of two ids.
        'gateway_grpc_client_calls_total{service="users",method="BatchGetUsers",code="OK"}': 3,
        'gateway_grpc_client_duration_seconds_count{service="users",method="BatchGetUsers"}': 3,
        'gateway_dataloader_batch_size_count{loader="usersById"}': 3,
        'gateway_dataloader_batch_size_sum{loader="usersById"}': 4,
      },
    );
    assert.ok(
      ![...after.keys()].some((key) => key.includes('MadeUpName')),
      'the name of an operation that failed validation is not a label value',
    );
  });

  it('/healthz answers 200 while the process runs, whatever the services do', async () => {
    const response = await fetch(route(stack, '/healthz'));
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('/readyz is 200 while every service answers, and 503 naming the service that stopped', async () => {
    const readyz = route(stack, '/readyz');
    const ready = await fetch(readyz);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true, failing: [], degraded: [] });

    await stack.stopService('recommendations');
    const notReady = await waitUntil('/readyz to report the stopped service', async () => {
      const response = await fetch(readyz);
      const body = (await response.json()) as { failing: string[] };
      return response.status === 503 ? body : undefined;
    });
    assert.deepEqual(notReady, { ready: false, failing: ['recommendations'], degraded: [] });
  });

  it('operation names stop becoming label values after the first 200: the rest count as other', async () => {
    const { GatewayMetrics, MAX_OPERATION_NAMES } = await import('../../src/telemetry/metrics.js');
    const metrics = new GatewayMetrics({ processMetrics: false });
    for (let n = 0; n < MAX_OPERATION_NAMES; n++) assert.equal(metrics.operationLabel(`Op${n}`, true), `Op${n}`);
    assert.equal(metrics.operationLabel('OneTooMany', true), 'other');
    assert.equal(metrics.operationLabel('Op0', true), 'Op0', 'names already labels stay labels');
    assert.equal(metrics.operationLabel(null, true), 'anonymous');
    assert.equal(metrics.operationLabel('Op1', false), 'unknown');
  });

  it('/metrics includes the default process metrics', async () => {
    const { startGateway } = await import('../../src/gateway.js');
    const { loadConfig } = await import('../../src/config/index.js');
    const gateway = await startGateway(loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1' }), { processMetrics: true });
    try {
      const samples = await scrape(gateway);
      assert.ok(samples.has('process_cpu_user_seconds_total'));
      assert.ok(samples.has('nodejs_eventloop_lag_seconds'));
    } finally {
      await gateway.stop();
    }
  });
});
