import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServiceName } from '../../platform/addresses.js';
import { SERVICES } from '../../platform/addresses.js';
import { tokenConfigFromEnv } from '../../platform/token-config.js';
import { startBare } from '../../bench/baselines/bare.js';
import { FEED_QUERY, type BaselineServer, type FeedData } from '../../bench/baselines/feed.js';
import { startFloor } from '../../bench/baselines/floor.js';
import { startStack, type TestStack } from '../support/stack.js';
import { signAccessToken } from '../support/tokens.js';

/** One RPC as a service received it: `service.Method` and the request message. */
type ReceivedRpc = [method: string, request: string];

interface Answer {
  status: number;
  body: string;
  /** The bytes of the body's `data` member, exactly as sent. */
  rawData: string;
  data: FeedData | null;
  errors: unknown;
  rpcs: ReceivedRpc[];
  /** RPCs the services counted for it, by `service.Method`. */
  counted: Record<string, number>;
}

/** The five RPCs of the feed query, one each, as the services count them. */
const FEED_RPCS = {
  'posts.BatchGetLikeStats': 1,
  'posts.ListFeed': 1,
  'relations.BatchGetFollowStats': 1,
  'relations.BatchListFollowing': 1,
  'users.BatchGetUsers': 1,
};

describe('the baseline targets of the bench', () => {
  let stack: TestStack;
  let bare: BaselineServer;
  let floor: BaselineServer;
  let token: string;
  let received: ReceivedRpc[] = [];

  before(async () => {
    stack = await startStack();
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'test' };
    for (const name of Object.keys(SERVICES) as ServiceName[]) env[SERVICES[name].env] = stack.servers[name].address;
    bare = await startBare({ env });
    floor = await startFloor({ env });
    token = await stack.login('user1@example.com');
    // Every call a service receives, with its request, in the order received.
    for (const name of Object.keys(SERVICES) as ServiceName[]) {
      stack.setFault(name, (method, call) => {
        received.push([`${name}.${method}`, JSON.stringify(call.request)]);
      });
    }
  });
  after(async () => {
    await floor.close();
    await bare.close();
    await stack.stop();
  });

  /** Sends the feed query to `url` and returns the answer and the RPCs the services received for it. */
  async function ask(url: string, authorization = `Bearer ${token}`): Promise<Answer> {
    received = [];
    const countedBefore = stack.callsByMethod();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ query: FEED_QUERY }),
    });
    const body = await response.text();
    const parsed = JSON.parse(body) as { data?: FeedData | null; errors?: unknown };
    // The body must hold `data` first, serialized exactly as JSON.stringify writes it.
    const prefix = '{"data":';
    const rawData = body.startsWith(prefix) ? body.slice(prefix.length, prefix.length + JSON.stringify(parsed.data).length) : '';
    const counted: Record<string, number> = {};
    for (const [method, count] of Object.entries(stack.callsByMethod())) {
      if (count > (countedBefore[method] ?? 0)) counted[method] = count - (countedBefore[method] ?? 0);
    }
    return { status: response.status, body, rawData, data: parsed.data ?? null, errors: parsed.errors, rpcs: received, counted };
  }

  it('answer the feed query with the very bytes of data the gateway answers, 50 posts with authors and counts', async () => {
    const gateway = await ask(stack.url);
    assert.equal(gateway.errors, undefined, JSON.stringify(gateway.errors));
    assert.equal(gateway.data?.feed.edges.length, 50);
    assert.ok(gateway.data.feed.edges.every((edge) => edge.node && edge.node.author.username !== '' && edge.node.author.followersCount > 0));
    assert.ok(gateway.data.feed.edges.some((edge) => (edge.node?.likesCount ?? 0) > 0), 'some posts of the feed have likes');
    assert.equal(gateway.rawData, JSON.stringify(gateway.data));

    for (const [name, target] of [
      ['bare', bare],
      ['floor', floor],
    ] as const) {
      const answer = await ask(`${target.url}/graphql`);
      assert.equal(answer.status, 200, `${name}: ${answer.body}`);
      assert.equal(answer.errors, undefined, `${name}: ${JSON.stringify(answer.errors)}`);
      assert.equal(answer.rawData, gateway.rawData, `${name} answers other data than the gateway`);
      // Nothing but data: a baseline adds no extensions of its own.
      assert.equal(answer.body, `{"data":${gateway.rawData}}\n`, name);
    }
  });

  it('send the services the same five RPCs as the gateway, with the same requests, in the same order of levels', async () => {
    const gateway = await ask(stack.url);
    assert.deepEqual(gateway.counted, FEED_RPCS);
    const levels = (rpcs: ReceivedRpc[]) => {
      const at = (method: string) => rpcs.findIndex(([name]) => name === method);
      return {
        followingFirst: at('relations.batchListFollowing') === 0,
        feedSecond: at('posts.listFeed') === 1,
        statsAfterUsers: at('relations.batchGetFollowStats') > at('users.batchGetUsers'),
      };
    };
    assert.deepEqual(levels(gateway.rpcs), { followingFirst: true, feedSecond: true, statsAfterUsers: true });

    for (const [name, target] of [
      ['bare', bare],
      ['floor', floor],
    ] as const) {
      const answer = await ask(`${target.url}/graphql`);
      assert.equal(answer.errors, undefined, `${name}: ${JSON.stringify(answer.errors)}`);
      assert.deepEqual(answer.counted, FEED_RPCS, name);
      // Likes and authors go out together, so their order may differ from one request to the next.
      assert.deepEqual([...answer.rpcs].sort(), [...gateway.rpcs].sort(), `${name} sends other RPCs than the gateway`);
      assert.deepEqual(levels(answer.rpcs), levels(gateway.rpcs), name);
    }
  });

  it('refuse a token the gateway refuses, and send no RPC for it', async () => {
    const tokens = tokenConfigFromEnv({});
    const forged = await signAccessToken({ ...tokens, audience: 'another-deployment' }, { sub: 'usr_1' });
    const gateway = await ask(stack.url, `Bearer ${forged}`);
    assert.equal(gateway.data?.feed, undefined);
    assert.ok(gateway.errors);
    for (const [name, target] of [
      ['bare', bare],
      ['floor', floor],
    ] as const) {
      const answer = await ask(`${target.url}/graphql`, `Bearer ${forged}`);
      assert.equal(answer.data, null, `${name}: ${answer.body}`);
      assert.ok(JSON.stringify(answer.errors).includes('UNAUTHENTICATED'), `${name}: ${answer.body}`);
      assert.deepEqual(answer.rpcs, [], name);
      assert.deepEqual(answer.counted, {}, name);
    }
  });
});
