import { status } from '@grpc/grpc-js';
import { CircuitState } from 'cockatiel';
import assert from 'node:assert/strict';
import { setImmediate } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { RpcError } from '../../services/common/errors.js';
import type { Gateway } from '../../src/gateway.js';
import { SERVICE_CRITICALITY } from '../../src/resilience/criticality.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';
import { rpcsSent } from '../support/gateway-metrics.js';

const PROFILE = `query($id: ID!) { profile(userId: $id) { user { id } followersCount followingCount recentPosts { id } recommendations { id } } }`;

interface ProfileData {
  profile: { user: { id: string }; followersCount: number; followingCount: number; recentPosts: unknown[]; recommendations: unknown[] };
}

async function breakerGauge(gateway: Gateway, service: string): Promise<number | undefined> {
  const { values } = await gateway.metrics.circuitBreakerState.get();
  return values.find((value) => value.labels.service === service)?.value;
}

describe('resilience', () => {
  let stack: TestStack;
  let token: string;

  before(async () => {
    stack = await startStack({
      env: {
        CIRCUIT_CONSECUTIVE_FAILURES: '3',
        // No probe goes out while a test runs: an open breaker stays open.
        CIRCUIT_HALF_OPEN_AFTER_MS: '600000',
        RPC_RETRY_INITIAL_DELAY_MS: '1',
        RPC_RETRY_MAX_DELAY_MS: '5',
        PROFILE_CACHE_TTL_SECONDS: '0',
      },
    });
    token = await stack.login('user1@example.com');
  });
  after(() => stack.stop());

  it('a createPost answered UNAVAILABLE is sent to the posts service once, never retried', async () => {
    const before = stack.servers.posts.callCount('CreatePost');
    stack.setFault('posts', (method) => {
      if (method === 'createPost') throw new RpcError(status.UNAVAILABLE, 'posts is restarting');
    });
    try {
      const response = await graphql(
        stack.url,
        `mutation { createPost(input: { title: "Not twice", imageUrl: "https://img.example/once.jpg" }) { id } }`,
        { token },
      );
      assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
      assert.equal(response.errors?.[0]?.extensions?.service, 'posts');
      assert.equal(stack.servers.posts.callCount('CreatePost'), before + 1);
    } finally {
      stack.setFault('posts', null);
    }
  });

  it('a read answered UNAVAILABLE once is retried and the answer is complete', async () => {
    let failures = 0;
    stack.setFault('posts', (method) => {
      if (method === 'listFeed' && failures++ === 0) throw new RpcError(status.UNAVAILABLE, 'posts is restarting');
    });
    try {
      const before = stack.servers.posts.callCount('ListFeed');
      const response = await graphql<{ feed: { edges: unknown[] } }>(stack.url, `{ feed(first: 5) { edges { cursor } } }`, { token });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.equal(response.data?.feed.edges.length, 5);
      assert.equal(stack.servers.posts.callCount('ListFeed'), before + 2);
    } finally {
      stack.setFault('posts', null);
    }
  });

  it('a read answered RESOURCE_EXHAUSTED without retry pushback is not retried', async () => {
    stack.setFault('posts', (method) => {
      if (method === 'listFeed') throw new RpcError(status.RESOURCE_EXHAUSTED, 'posts is overloaded');
    });
    try {
      const before = stack.servers.posts.callCount('ListFeed');
      const response = await graphql(stack.url, `{ feed(first: 5) { edges { cursor } } }`, { token });
      assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
      assert.equal(stack.servers.posts.callCount('ListFeed'), before + 1);
    } finally {
      stack.setFault('posts', null);
    }
  });

  it('a slow recommendations service fails only its field, at the deadline cut from the request budget', async () => {
    const gateway = await stack.startGateway({ REQUEST_BUDGET_MS: '300', PROFILE_CACHE_TTL_SECONDS: '0' });
    const deadlines: number[] = [];
    let cancelled!: () => void;
    const serviceSawCancel = new Promise<void>((resolve) => (cancelled = resolve));
    // Answers only once the caller gives up: without a deadline the request would hang.
    stack.setFault('recommendations', (_method, call) => {
      deadlines.push(Number(call.getDeadline()));
      return new Promise<void>((resolve) => {
        call.once('cancelled', () => {
          cancelled();
          resolve();
        });
      });
    });
    try {
      const response = await graphql<ProfileData>(gateway.url, PROFILE, { variables: { id: 'usr_3' } });
      assert.equal(response.data?.profile.user.id, 'usr_3');
      assert.ok((response.data?.profile.recentPosts.length ?? 0) > 0);
      assert.deepEqual(response.data?.profile.recommendations, []);
      assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
      assert.deepEqual(response.errors?.[0]?.path, ['profile', 'recommendations']);
      // One call, with a deadline, which ended it on both sides; never retried.
      assert.equal(deadlines.length, 1);
      assert.ok(Number.isFinite(deadlines[0]), 'the service was given a deadline');
      assert.equal(await rpcsSent(gateway, 'recommendations', 'DEADLINE_EXCEEDED'), 1);
      await serviceSawCancel;
    } finally {
      stack.setFault('recommendations', null);
    }
  });

  it('a full bulkhead refuses the next call to that service at once, without reaching it', async () => {
    const gateway = await stack.startGateway({ BULKHEAD_MAX_CONCURRENT: '1', BULKHEAD_MAX_QUEUED: '0', PROFILE_CACHE_TTL_SECONDS: '0' });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
    stack.setFault('recommendations', async () => {
      arrived();
      await released;
    });
    try {
      const before = stack.servers.recommendations.callCount('BatchGetRecommendations');
      const likesBefore = stack.servers.posts.callCount('BatchGetLikeStats');
      const first = graphql<ProfileData>(gateway.url, PROFILE, { variables: { id: 'usr_3' } });
      await firstArrived;
      // The first profile's other calls (its posts, then their like counts) end on their own;
      // until they do, a bulkhead of one is full for those services too.
      while (stack.servers.posts.callCount('BatchGetLikeStats') === likesBefore) await setImmediate();
      for (const service of ['users', 'posts', 'relations'] as const) {
        while (gateway.policies[service].bulkhead.executionSlots === 0) await setImmediate();
      }
      const second = await graphql<ProfileData>(gateway.url, PROFILE, { variables: { id: 'usr_4' } });
      assert.deepEqual(second.data?.profile.recommendations, []);
      assert.deepEqual(errorCodes(second), ['SERVICE_UNAVAILABLE']);
      assert.equal(second.errors?.[0]?.extensions?.service, 'recommendations');
      release();
      const answered = await first;
      assert.equal(answered.errors, undefined, JSON.stringify(answered.errors));
      assert.equal(stack.servers.recommendations.callCount('BatchGetRecommendations'), before + 1);
    } finally {
      release();
      stack.setFault('recommendations', null);
    }
  });

  it('only recommendations is non-critical: a failing critical service nulls its field with SERVICE_UNAVAILABLE', async () => {
    assert.deepEqual(
      Object.entries(SERVICE_CRITICALITY).filter(([, criticality]) => criticality === 'non-critical').map(([service]) => service),
      ['recommendations'],
    );
    // A gateway of its own, so the relations breaker this opens is not the one other tests use.
    const gateway = await stack.startGateway({ PROFILE_CACHE_TTL_SECONDS: '0' });
    stack.setFault('relations', (method) => {
      if (method === 'batchGetFollowStats') throw new RpcError(status.UNAVAILABLE, 'relations is restarting');
    });
    try {
      const response = await graphql<{ profile: { user: { id: string }; followersCount: number | null; recentPosts: unknown[] } }>(
        gateway.url,
        `{ profile(userId: "usr_3") { user { id } followersCount recentPosts { id } } }`,
      );
      assert.equal(response.data?.profile.user.id, 'usr_3');
      assert.ok((response.data?.profile.recentPosts.length ?? 0) > 0);
      assert.equal(response.data?.profile.followersCount, null);
      assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
      assert.deepEqual(response.errors?.[0]?.path, ['profile', 'followersCount']);
      assert.equal(response.errors?.[0]?.extensions?.service, 'relations');
    } finally {
      stack.setFault('relations', null);
    }
  });

  it('with recommendations stopped, profiles answer with an error entry, and once the breaker opens no call reaches for it', async () => {
    await stack.stopService('recommendations');
    const { breaker } = stack.gateway.policies.recommendations;
    for (let request = 0; request < 10 && breaker.state !== CircuitState.Open; request++) {
      const response = await graphql<ProfileData>(stack.url, PROFILE, { variables: { id: 'usr_3' } });
      assert.deepEqual(response.data?.profile.recommendations, []);
      assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
    }
    assert.equal(breaker.state, CircuitState.Open);
    assert.equal(await breakerGauge(stack.gateway, 'recommendations'), CircuitState.Open);

    const sent = await rpcsSent(stack.gateway, 'recommendations');
    for (const id of ['usr_3', 'usr_5', 'usr_7']) {
      const response = await graphql<ProfileData>(stack.url, PROFILE, { variables: { id } });
      assert.equal(response.data?.profile.user.id, id);
      assert.ok((response.data?.profile.recentPosts.length ?? 0) > 0);
      assert.equal(typeof response.data?.profile.followersCount, 'number');
      assert.equal(typeof response.data?.profile.followingCount, 'number');
      assert.deepEqual(response.data?.profile.recommendations, []);
      assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
      assert.deepEqual(response.errors?.[0]?.path, ['profile', 'recommendations']);
      assert.equal(response.errors?.[0]?.extensions?.service, 'recommendations');
    }
    assert.equal(await rpcsSent(stack.gateway, 'recommendations'), sent, 'no RPC went to recommendations while its breaker was open');
    assert.equal(await breakerGauge(stack.gateway, 'posts'), CircuitState.Closed);
  });
});
