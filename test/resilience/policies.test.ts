import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { CircuitState, isBrokenCircuitError } from 'cockatiel';
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import {
  RETRY_PUSHBACK_METADATA_KEY,
  createServicePolicies,
  isRetryableFailure,
} from '../../src/resilience/policies.js';

/** A failed call as grpc-js reports it. */
function grpcError(code: status, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code}`), { code, details: `${code}`, metadata });
}

describe('service policies', () => {
  afterEach(() => mock.restoreAll());

  it('UNAVAILABLE is retried; RESOURCE_EXHAUSTED only with a retry pushback from the server', () => {
    const pushback = new Metadata();
    pushback.set(RETRY_PUSHBACK_METADATA_KEY, '100');
    const refused = new Metadata();
    refused.set(RETRY_PUSHBACK_METADATA_KEY, '-1');
    assert.equal(isRetryableFailure(grpcError(status.UNAVAILABLE)), true);
    assert.equal(isRetryableFailure(grpcError(status.RESOURCE_EXHAUSTED, pushback)), true);
    assert.equal(isRetryableFailure(grpcError(status.RESOURCE_EXHAUSTED)), false);
    assert.equal(isRetryableFailure(grpcError(status.RESOURCE_EXHAUSTED, refused)), false);
    assert.equal(isRetryableFailure(grpcError(status.DEADLINE_EXCEEDED)), false);
    assert.equal(isRetryableFailure(grpcError(status.INVALID_ARGUMENT)), false);
  });

  it('an open breaker answers without calling, then lets one probe through after CIRCUIT_HALF_OPEN_AFTER_MS and closes on its success', async () => {
    // The breaker reads Date.now(); this clock moves only when the test says so.
    let clock = 1_000_000;
    mock.method(Date, 'now', () => clock);
    const states: CircuitState[] = [];
    const { resilience } = loadConfig({ CIRCUIT_CONSECUTIVE_FAILURES: '2', CIRCUIT_HALF_OPEN_AFTER_MS: '5000' });
    const { posts } = createServicePolicies(resilience, (service, state) => {
      if (service === 'posts') states.push(state);
    });
    let calls = 0;
    const failing = () => {
      calls++;
      throw grpcError(status.UNAVAILABLE);
    };
    for (let attempt = 0; attempt < 2; attempt++) await assert.rejects(posts.write.execute(failing));
    assert.equal(posts.breaker.state, CircuitState.Open);

    await assert.rejects(posts.write.execute(failing), (error) => isBrokenCircuitError(error));
    assert.equal(calls, 2, 'an open breaker does not call the service');

    clock += 4_999;
    await assert.rejects(posts.write.execute(failing), (error) => isBrokenCircuitError(error));
    clock += 1;
    assert.equal(await posts.write.execute(() => 'probe answered'), 'probe answered');
    assert.equal(posts.breaker.state, CircuitState.Closed);
    assert.deepEqual(states, [CircuitState.Closed, CircuitState.Open, CircuitState.HalfOpen, CircuitState.Closed]);
  });

  it('errors that are the caller\'s own fault do not open the breaker', async () => {
    const { resilience } = loadConfig({ CIRCUIT_CONSECUTIVE_FAILURES: '1' });
    const { users } = createServicePolicies(resilience);
    await assert.rejects(users.write.execute(() => { throw grpcError(status.INVALID_ARGUMENT); }));
    await assert.rejects(users.write.execute(() => { throw grpcError(status.NOT_FOUND); }));
    assert.equal(users.breaker.state, CircuitState.Closed);
  });
});

describe('resilience settings', () => {
  it('default to a 2 s request budget, 2 retries, a breaker after 5 failures for 5 s and 64 calls per service', () => {
    assert.deepEqual(loadConfig({}).resilience, {
      requestBudgetMs: 2_000,
      retryMaxAttempts: 2,
      retryInitialDelayMs: 25,
      retryMaxDelayMs: 250,
      circuitConsecutiveFailures: 5,
      circuitHalfOpenAfterMs: 5_000,
      bulkheadMaxConcurrent: 64,
      bulkheadMaxQueued: 256,
    });
  });

  it('refuse a value out of range, naming the variable', () => {
    assert.throws(() => loadConfig({ REQUEST_BUDGET_MS: '0' }), /REQUEST_BUDGET_MS/);
    assert.throws(() => loadConfig({ BULKHEAD_MAX_CONCURRENT: 'many' }), /BULKHEAD_MAX_CONCURRENT/);
    assert.throws(() => loadConfig({ RPC_RETRY_INITIAL_DELAY_MS: '100', RPC_RETRY_MAX_DELAY_MS: '50' }), /RPC_RETRY_MAX_DELAY_MS/);
  });
});
