import { status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RpcError } from '../../services/common/errors.js';
import type { Gateway } from '../../src/gateway.js';
import { CallRecorder, type CacheEntry, type CallEntry, type RpcCallEntry } from '../../src/telemetry/calls.js';
import { graphql, type GraphQLRequest, type GraphQLResponse } from '../support/graphql.js';
import { PRODUCTION_ENV, startStack, type TestStack } from '../support/stack.js';

/** A response as `extensions.calls` shows it. */
type WithCalls<D> = GraphQLResponse<D> & { extensions?: { calls?: CallEntry[]; callsOmitted?: number; [key: string]: unknown } };

async function withCalls<D = Record<string, unknown>>(url: string, query: string, request: GraphQLRequest = {}): Promise<WithCalls<D>> {
  return (await graphql<D>(url, query, request)) as WithCalls<D>;
}

const isRpc = (entry: CallEntry): entry is RpcCallEntry => 'service' in entry;
const isCache = (entry: CallEntry): entry is CacheEntry => 'cache' in entry;
const label = (entry: RpcCallEntry) => `${entry.service}.${entry.method}`;

/** The attempts `entries` list by `service.Method`, as the gateway's own metrics count the RPCs it sent. */
function attemptsByMethod(entries: readonly CallEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of entries.filter(isRpc)) counts[label(entry)] = (counts[label(entry)] ?? 0) + entry.attempts;
  return counts;
}

/** RPCs the gateway has sent so far by `service.Method`, every attempt counted, from its `gateway_grpc_client_calls_total`. */
async function sentByMethod(gateway: Gateway): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { labels, value } of (await gateway.metrics.grpcClientCalls.get()).values) {
    const key = `${labels.service}.${labels.method}`;
    counts[key] = (counts[key] ?? 0) + value;
  }
  return counts;
}

const FEED = `query Feed($first: Int!) {
  feed(first: $first) { edges { node { id likesCount author { id followersCount } } } }
}`;

interface FeedData {
  feed: { edges: { node: { id: string; likesCount: number; author: { id: string; followersCount: number } } }[] };
}

const PROFILE = `query($id: ID!) { profile(userId: $id) { user { id displayName } followersCount recentPosts { id title likesCount } recommendations { id } } }`;

describe('extensions.calls lists the calls a request really made', () => {
  let stack: TestStack;
  let token: string;

  before(async () => {
    stack = await startStack({ env: { RPC_RETRY_INITIAL_DELAY_MS: '1', RPC_RETRY_MAX_DELAY_MS: '5' } });
    token = await stack.login('user1@example.com');
  });
  after(() => stack.stop());

  /**
   * Runs a request and returns its answer and the RPCs the gateway sent for
   * it, by method (not the services' counts: a service may call another).
   */
  async function received<D>(run: () => Promise<WithCalls<D>>): Promise<{ response: WithCalls<D>; rpcs: Record<string, number> }> {
    const before = await sentByMethod(stack.gateway);
    const response = await run();
    const rpcs: Record<string, number> = {};
    for (const [method, count] of Object.entries(await sentByMethod(stack.gateway))) {
      if (count > (before[method] ?? 0)) rpcs[method] = count - (before[method] ?? 0);
    }
    return { response, rpcs };
  }

  it('a feed of 20 lists each of its RPCs once, in call order, with the batch size each carried', async () => {
    const { response, rpcs } = await received(() => withCalls<FeedData>(stack.url, FEED, { variables: { first: 20 }, token }));
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const calls = response.extensions?.calls ?? [];
    // Exactly what the gateway sent: one entry per call, none missing, none invented.
    assert.deepEqual(attemptsByMethod(calls), rpcs);

    const edges = response.data!.feed.edges;
    const authors = new Set(edges.map((edge) => edge.node.author.id)).size;
    const rpcEntries = calls.filter(isRpc);
    // Level 0 (the following list, then the page), then level 1 (likes, authors), then level 2 (the authors' counts).
    assert.deepEqual(
      rpcEntries.map((entry) => [label(entry), entry.batch]),
      [
        ['relations.BatchListFollowing', 1],
        ['posts.ListFeed', undefined],
        ['posts.BatchGetLikeStats', edges.length],
        ['users.BatchGetUsers', authors],
        ['relations.BatchGetFollowStats', authors],
      ],
    );
    for (const entry of rpcEntries) {
      assert.equal(entry.attempts, 1, label(entry));
      assert.equal(entry.outcome, 'OK', label(entry));
      assert.ok(entry.ms >= 0 && entry.at >= 0, label(entry));
    }
    const starts = rpcEntries.map((entry) => entry.at);
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b), 'listed in the order the calls started');
  });

  it('the first read of a profile lists a cache miss and its fan-out; the second, one hit and no RPC', async () => {
    const cold = await received(() => withCalls(stack.url, PROFILE, { variables: { id: 'usr_21' } }));
    assert.equal(cold.response.errors, undefined, JSON.stringify(cold.response.errors));
    const coldCalls = cold.response.extensions?.calls ?? [];
    assert.deepEqual(coldCalls[0] && { ...coldCalls[0], at: 0 }, { cache: 'profile', key: 'usr_21', at: 0, result: 'miss' });
    assert.deepEqual(attemptsByMethod(coldCalls), cold.rpcs);
    // The like counts of the recent posts are part of the fill, so the warm read below needs no RPC for them either.
    assert.deepEqual(Object.keys(cold.rpcs).sort(), [
      'posts.BatchGetLikeStats',
      'posts.BatchListPostsByAuthor',
      'recommendations.BatchGetRecommendations',
      'relations.BatchGetFollowStats',
      'users.BatchGetUsers',
    ]);

    const warm = await received(() => withCalls(stack.url, PROFILE, { variables: { id: 'usr_21' } }));
    assert.deepEqual(warm.rpcs, {});
    assert.deepEqual(
      warm.response.extensions?.calls?.map((entry) => ({ ...entry, at: 0 })),
      [{ cache: 'profile', key: 'usr_21', at: 0, result: 'hit' }],
    );
    assert.deepEqual(warm.response.data, cold.response.data);
  });

  it('a write that changes a profile lists the profiles it dropped', async () => {
    const response = await withCalls(stack.url, `mutation { updateProfile(input: { bio: "calls listed" }) { id } }`, { token });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const dropped = (response.extensions?.calls ?? []).filter(isCache).map((entry) => [entry.key, entry.result]);
    assert.deepEqual(dropped, [['usr_1', 'invalidate']]);
  });

  it('a read retried after UNAVAILABLE is one entry with 2 attempts; a write that failed names its gRPC status', async () => {
    let failures = 0;
    stack.setFault('posts', (method) => {
      if (method === 'listFeed' && failures++ === 0) throw new RpcError(status.UNAVAILABLE, 'posts is restarting');
      if (method === 'createPost') throw new RpcError(status.UNAVAILABLE, 'posts is restarting');
    });
    try {
      const feed = await withCalls(stack.url, `{ feed(first: 3) { edges { cursor } } }`, { token });
      assert.equal(feed.errors, undefined, JSON.stringify(feed.errors));
      const listFeed = feed.extensions?.calls?.filter(isRpc).filter((entry) => entry.method === 'ListFeed');
      assert.deepEqual(listFeed?.map((entry) => [entry.attempts, entry.outcome]), [[2, 'OK']]);

      const created = await withCalls(stack.url, `mutation { createPost(input: { title: "t", imageUrl: "https://img.example/t.jpg" }) { id } }`, { token });
      const createPost = created.extensions?.calls?.filter(isRpc).filter((entry) => entry.method === 'CreatePost');
      assert.deepEqual(createPost?.map((entry) => [entry.attempts, entry.outcome]), [[1, 'UNAVAILABLE']]);
    } finally {
      stack.setFault('posts', null);
    }
  });

  it('a document refused before it ran lists no calls', async () => {
    const response = await withCalls(stack.url, `{ nope }`);
    assert.equal(response.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(response.extensions?.calls, undefined);
  });
});

describe('extensions.calls in production', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack({ env: PRODUCTION_ENV });
  });
  after(() => stack.stop());

  const USER = `{ user(id: "usr_2") { id followersCount } }`;

  it('an anonymous caller and a token without the debug scope get the data and no calls', async () => {
    const anonymous = await withCalls<{ user: { id: string } }>(stack.url, USER);
    assert.equal(anonymous.data?.user.id, 'usr_2');
    assert.equal(anonymous.extensions?.calls, undefined);

    const plain = await withCalls<{ user: { id: string } }>(stack.url, USER, { token: await stack.login('user1@example.com') });
    assert.equal(plain.data?.user.id, 'usr_2');
    assert.equal(plain.extensions?.calls, undefined);

    const admin = await stack.signToken({ sub: 'usr_1', roles: ['user', 'admin'], scope: 'read write' });
    assert.equal((await withCalls(stack.url, USER, { token: admin })).extensions?.calls, undefined);
  });

  it('a token whose scope lists debug gets the calls', async () => {
    const token = await stack.signToken({ sub: 'usr_1', roles: ['user'], scope: 'read write debug' });
    const response = await withCalls<{ user: { id: string } }>(stack.url, USER, { token });
    assert.equal(response.data?.user.id, 'usr_2');
    assert.deepEqual(
      response.extensions?.calls?.filter(isRpc).map((entry) => [label(entry), entry.batch, entry.outcome]),
      [
        ['users.BatchGetUsers', 1, 'OK'],
        ['relations.BatchGetFollowStats', 1, 'OK'],
      ],
    );
  });
});

describe('CallRecorder', () => {
  it('keeps the first entries up to its limit and counts the rest', () => {
    const recorder = new CallRecorder(true, 3);
    for (let n = 0; n < 5; n += 1) recorder.cacheEntry('profile', `usr_${n}`, 'hit');
    assert.deepEqual(
      recorder.listed.map((entry) => (entry as CacheEntry).key),
      ['usr_0', 'usr_1', 'usr_2'],
    );
    assert.equal(recorder.omitted, 2);
  });

  it('off, it records nothing', () => {
    assert.equal(CallRecorder.off.startRpc('users', 'BatchGetUsers', 1), undefined);
    CallRecorder.off.cacheEntry('profile', 'usr_1', 'miss');
    assert.deepEqual(CallRecorder.off.listed, []);
    assert.equal(CallRecorder.off.omitted, 0);
  });

  it('a call still in flight when the answer is sent shows IN_FLIGHT; once it ends, its attempts and outcome', () => {
    const recorder = new CallRecorder(true);
    const entry = recorder.startRpc('posts', 'ListFeed', undefined)!;
    assert.deepEqual({ ...entry, at: 0 }, { service: 'posts', method: 'ListFeed', at: 0, ms: 0, attempts: 0, outcome: 'IN_FLIGHT' });
    recorder.finishRpc(entry, 2, 'OK');
    assert.deepEqual([entry.attempts, entry.outcome], [2, 'OK']);
    assert.ok(entry.ms >= 0);
  });
});
