import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RUN_TIME_ID, idTime } from '../../services/common/ids.js';
import { ACCOUNT_CREATED_AT_CLAIM } from '../../platform/token-config.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

/**
 * Ids of what is created at run time, and access tokens bound to their
 * account, against real services and a real gateway.
 *
 * The outside finding this answers: ids were `usr_<n>`, counted from the
 * seeded ones, so after the in-memory stack restarted the N-th new account got
 * the id of the N-th account before the restart, and that account's old
 * access token read and changed the new one.
 */

// Registrations are limited to 10 an hour per address; these tests need more.
const ENV = { RATE_LIMIT_REGISTER: '1000/3600' };

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id createdAt } } }`;
const ME = `{ me { id username bio } }`;
const UPDATE_PROFILE = `mutation($bio: String!) { updateProfile(input: { bio: $bio }) { id bio } }`;
const CREATE_POST = `mutation($title: String!) { createPost(input: { title: $title, imageUrl: "https://images.example/p.jpg" }) { id createdAt } }`;

interface Registered {
  token: string;
  id: string;
  createdAt: string;
}

let accounts = 0;

/** Registers a new account through the gateway. */
async function register(stack: TestStack, name = `person_${process.pid}_${++accounts}`): Promise<Registered> {
  const response = await graphql<{ register: { accessToken: string; user: { id: string; createdAt: string } } }>(stack.url, REGISTER, {
    variables: { input: { username: name, email: `${name}@example.org`, password: 'a long enough password', displayName: 'New Person' } },
  });
  assert.ok(response.data, JSON.stringify(response.errors));
  const { accessToken, user } = response.data.register;
  return { token: accessToken, id: user.id, createdAt: user.createdAt };
}

/** The bits of a run-time id that are neither time, version nor variant. */
function randomBits(id: string): string {
  const bits = [...id.slice(4).replaceAll('-', '')].map((digit) => Number.parseInt(digit, 16).toString(2).padStart(4, '0')).join('');
  return bits.slice(52, 64) + bits.slice(66);
}

function differingBits(a: string, b: string): number {
  return [...a].filter((bit, at) => bit !== b[at]).length;
}

/**
 * Asserts that `ids`, made one after the other, are random and time-ordered:
 * each tells the time it was made, none is the one before plus one, and
 * consecutive ones differ in many random bits (73 random bits each, so about
 * 36 on average; a counter changes one or two, and fewer than 16 happens by
 * chance about once in 10^5).
 */
function assertRandomAndTimeOrdered(prefix: string, made: { id: string; createdAt: string }[]): void {
  for (const { id, createdAt } of made) {
    assert.ok(id.startsWith(`${prefix}_`), id);
    assert.match(id, RUN_TIME_ID, 'a UUIDv7, never a seeded <prefix>_<n>');
    assert.equal(idTime(id), Date.parse(createdAt), 'the id tells the time the object was made');
  }
  for (let at = 1; at < made.length; at++) {
    const [earlier, later] = [made[at - 1]!.id, made[at]!.id];
    assert.ok(idTime(later)! >= idTime(earlier)!, 'later ids carry later or equal times');
    assert.notEqual(BigInt(`0x${later.slice(4).replaceAll('-', '')}`) - BigInt(`0x${earlier.slice(4).replaceAll('-', '')}`), 1n);
    assert.ok(differingBits(randomBits(earlier), randomBits(later)) >= 16, `${earlier} and ${later} share most random bits`);
  }
}

describe('ids of what is created at run time', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack({ env: ENV });
  });

  after(() => stack.stop());

  it('accounts registered one after the other get random, time-ordered ids', async () => {
    const made: Registered[] = [];
    for (let n = 0; n < 4; n++) made.push(await register(stack));
    assertRandomAndTimeOrdered('usr', made);
  });

  it('posts and the notifications their likes send get random, time-ordered ids', async () => {
    const author = await register(stack);
    const liker = await register(stack);
    const posts: { id: string; createdAt: string }[] = [];
    for (let n = 0; n < 3; n++) {
      const response = await graphql<{ createPost: { id: string; createdAt: string } }>(stack.url, CREATE_POST, {
        token: author.token,
        variables: { title: `Pin ${n}` },
      });
      assert.ok(response.data, JSON.stringify(response.errors));
      posts.push(response.data.createPost);
    }
    assertRandomAndTimeOrdered('pst', posts);

    for (const post of posts) {
      const liked = await graphql(stack.url, `mutation($id: ID!) { likePost(postId: $id) { id } }`, { token: liker.token, variables: { id: post.id } });
      assert.deepEqual(liked.errors, undefined);
    }
    const inbox = await graphql<{ notifications: { edges: { node: { id: string; createdAt: string } }[] } }>(
      stack.url,
      `{ notifications(first: 10) { edges { node { id createdAt } } } }`,
      { token: author.token },
    );
    assert.ok(inbox.data, JSON.stringify(inbox.errors));
    const notifications = inbox.data.notifications.edges.map((edge) => edge.node).reverse();
    assert.equal(notifications.length, posts.length);
    assertRandomAndTimeOrdered('ntf', notifications);
  });
});

describe('an access token issued before the stack restarted empty', () => {
  let stack: TestStack;
  let old: Registered;
  let demoToken: string;

  before(async () => {
    const first = await startStack({ env: ENV });
    try {
      old = await register(first, `before_restart_${process.pid}`);
      demoToken = await first.login('user1@example.com');
    } finally {
      await first.stop();
    }
    // The same secrets and seed, new in-memory stores: a restart of the whole stack.
    stack = await startStack({ env: ENV });
  });

  after(() => stack.stop());

  it('reads and changes none of 16 accounts registered after the restart: me and updateProfile are UNAUTHENTICATED (401)', async () => {
    const registered: Registered[] = [];
    for (let n = 1; n <= 16; n++) registered.push(await register(stack, `after_restart_${process.pid}_${n}`));
    assert.ok(!registered.some((account) => account.id === old.id), 'no new account has the old id');
    const writesBefore = stack.callsByMethod()['users.UpdateProfile'] ?? 0;

    const me = await graphql<{ me: unknown }>(stack.url, ME, { token: old.token });
    assert.equal(me.status, 401);
    assert.deepEqual(errorCodes(me), ['UNAUTHENTICATED']);
    assert.equal(me.data?.me ?? null, null, `nothing is read: ${JSON.stringify(me.data)}`);

    const update = await graphql(stack.url, UPDATE_PROFILE, { token: old.token, variables: { bio: 'written with an old token' } });
    assert.equal(update.status, 401);
    assert.deepEqual(errorCodes(update), ['UNAUTHENTICATED']);
    assert.ok(!update.data, `nothing is returned: ${JSON.stringify(update.data)}`);

    assert.equal(stack.callsByMethod()['users.UpdateProfile'] ?? 0, writesBefore, 'no write reached the users service');
    for (const account of registered) {
      const own = await graphql<{ me: { id: string; bio: string } }>(stack.url, ME, { token: account.token });
      assert.deepEqual(own.data?.me && { id: own.data.me.id, bio: own.data.me.bio }, { id: account.id, bio: '' });
    }
  });

  it('a demo account’s token still works: seeded accounts come back the same, ids and creation times', async () => {
    const me = await graphql<{ me: { id: string } }>(stack.url, ME, { token: demoToken });
    assert.equal(me.status, 200);
    assert.equal(me.data?.me.id, 'usr_1');
  });

  it('a token for a seeded id but an account created at another time is refused, as if the id had been given out again', async () => {
    const token = await stack.signToken({ sub: 'usr_2', [ACCOUNT_CREATED_AT_CLAIM]: '2026-11-20T08:00:00.000Z', roles: ['user'], scope: 'read write' });
    const bioBefore = (await graphql<{ user: { bio: string } }>(stack.url, `{ user(id: "usr_2") { bio } }`)).data?.user.bio;

    for (const [query, variables] of [[ME, {}], [UPDATE_PROFILE, { bio: 'not yours' }]] as const) {
      const response = await graphql(stack.url, query, { token, variables });
      assert.equal(response.status, 401);
      assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
      assert.match(response.errors?.[0]?.message ?? '', /no longer exists/);
    }
    const emailOfOther = await graphql<{ user: { email: string | null } }>(stack.url, `{ user(id: "usr_2") { email } }`, { token });
    assert.deepEqual(errorCodes(emailOfOther), ['FORBIDDEN'], 'the owner-only e-mail stays hidden too');
    assert.equal((await graphql<{ user: { bio: string } }>(stack.url, `{ user(id: "usr_2") { bio } }`)).data?.user.bio, bioBefore);
  });
});
