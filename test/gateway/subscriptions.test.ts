import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { createEvent } from '../../platform/events/index.js';
import { ACCOUNT_CREATED_AT_CLAIM, tokenConfigFromEnv } from '../../platform/token-config.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { graphql } from '../support/graphql.js';
import { sampleOf, scrape } from '../support/metrics.js';
import { startStack, TEST_SEED, type TestStack } from '../support/stack.js';
import { connect, webSocketUrl, type SubscriptionClient } from '../support/subscriptions.js';

const NOTIFICATION_ADDED = 'subscription { notificationAdded { id kind actor { id username } } }';
const UNREAD_COUNT = 'subscription { unreadNotificationCount }';

interface Added {
  notificationAdded: { id: string; kind: string; actor: { id: string; username: string } | null };
}

const LIMITS = {
  MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
  MAX_SUBSCRIPTIONS_PER_VIEWER: '4',
  SUBSCRIPTION_BUFFER_EVENTS: '4',
};

describe('live notifications over GraphQL subscriptions (graphql-ws on /graphql)', () => {
  let stack: TestStack;
  const clients: SubscriptionClient[] = [];

  before(async () => {
    stack = await startStack({ env: LIMITS });
  });
  after(async () => {
    for (const client of clients) await client.dispose();
    await stack.stop();
  });

  /** A signed-in connection for a seeded user (`usr_<n>`). */
  const connectAs = async (userId: string) => {
    const client = connect(stack.url, { authorization: `Bearer ${await stack.signToken({ sub: userId })}` });
    clients.push(client);
    await client.connected;
    return client;
  };
  const follow = async (followerId: string, followeeId: string) => {
    const response = await graphql(stack.url, 'mutation($id: ID!) { follow(userId: $id) { id } }', {
      variables: { id: followeeId },
      token: await stack.signToken({ sub: followerId, scope: 'write' }),
    });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  };
  const watchStreams = () => stack.servers.notifications.openStreams('WatchNotifications');
  /** Waits until the notifications service holds `count` watch streams: a subscription's stream is open once it counts there. */
  const streamsOpen = async (count: number) => {
    while (watchStreams() !== count) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  /** A client speaking graphql-transport-ws itself over a plain socket, so that it can stop reading or cut the connection. */
  const rawSubscription = async (userId: string, query: string) => {
    const token = await stack.signToken({ sub: userId });
    const socket = new WebSocket(webSocketUrl(stack.url), 'graphql-transport-ws');
    const messages: { type: string; payload?: unknown }[] = [];
    const arrived = () => new Promise<void>((resolve) => socket.once('message', () => resolve()));
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await arrived();
    assert.equal(messages[0]?.type, 'connection_ack');
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    return { socket, messages, arrived, closed };
  };

  it("delivers a follow as exactly one notificationAdded on the followed user's subscription, and to no one else", async () => {
    const followed = await connectAs('usr_11');
    const bystander = await connectAs('usr_12');
    const mine = followed.subscribe<Added>(NOTIFICATION_ADDED);
    const theirs = bystander.subscribe<Added>(NOTIFICATION_ADDED);
    await streamsOpen(2);

    await follow('usr_13', 'usr_11');
    const [first] = await mine.atLeast(1);
    assert.equal(first!.errors, undefined);
    assert.equal(first!.data?.notificationAdded.kind, 'FOLLOW');
    // Each event is resolved like a query: the actor comes from the users service.
    assert.deepEqual(first!.data?.notificationAdded.actor?.id, 'usr_13');
    assert.ok(first!.data?.notificationAdded.actor?.username);

    // The next event of each subscription is the next notification stored for its own viewer:
    // nothing repeated the follow, and the bystander never saw it.
    await follow('usr_14', 'usr_11');
    await follow('usr_13', 'usr_12');
    const [, second] = await mine.atLeast(2);
    assert.equal(second!.data?.notificationAdded.actor?.id, 'usr_14');
    const [own] = await theirs.atLeast(1);
    assert.equal(own!.data?.notificationAdded.actor?.id, 'usr_13');
    assert.notEqual(own!.data?.notificationAdded.id, first!.data?.notificationAdded.id);

    mine.unsubscribe();
    theirs.unsubscribe();
    await streamsOpen(0);
  });

  it('sends the unread count at once, then as notifications arrive and are marked read', async () => {
    const client = await connectAs('usr_15');
    const counts = client.subscribe<{ unreadNotificationCount: number }>(UNREAD_COUNT);
    const [initial] = await counts.atLeast(1);
    const start = initial!.data!.unreadNotificationCount;
    await follow('usr_16', 'usr_15');
    assert.equal((await counts.atLeast(2))[1]!.data?.unreadNotificationCount, start + 1);
    const token = await stack.signToken({ sub: 'usr_15', scope: 'write' });
    const list = await graphql<{ notifications: { edges: { node: { id: string } }[] } }>(stack.url, '{ notifications(first: 1) { edges { node { id } } } }', { token });
    const [newest] = list.data!.notifications.edges;
    await graphql(stack.url, 'mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }', { variables: { ids: [newest!.node.id] }, token });
    assert.equal((await counts.atLeast(3))[2]!.data?.unreadNotificationCount, start);
    counts.unsubscribe();
    await streamsOpen(0);
  });

  it('a client that completes a subscription, or disconnects, ends its stream at the notifications service at once', async () => {
    const client = await connectAs('usr_17');
    const first = client.subscribe<Added>(NOTIFICATION_ADDED);
    client.subscribe<Added>(NOTIFICATION_ADDED);
    await streamsOpen(2);
    assert.equal(sampleOf(await scrape(stack.gateway), 'gateway_subscriptions_active', { field: 'notificationAdded' }), 2);
    first.unsubscribe();
    await streamsOpen(1);
    await client.dispose();
    await streamsOpen(0);
    assert.equal(sampleOf(await scrape(stack.gateway), 'gateway_subscriptions_active', { field: 'notificationAdded' }), 0);

    // Gone without a goodbye: the TCP connection is cut, no close frame sent.
    const raw = await rawSubscription('usr_17', 'subscription { notificationAdded { id } }');
    await streamsOpen(1);
    raw.socket.terminate();
    await streamsOpen(0);
  });

  it('refuses a connection without a token, or with one that does not verify, with 4401', async () => {
    const anonymous = connect(stack.url);
    clients.push(anonymous);
    assert.deepEqual(await anonymous.closed, { code: 4401, reason: 'Unauthorized: SIGN_IN_REQUIRED' });
    const forged = connect(stack.url, { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl' });
    clients.push(forged);
    assert.deepEqual(await forged.closed, { code: 4401, reason: 'Unauthorized: TOKEN_INVALID' });
    assert.equal(watchStreams(), 0);
  });

  it('closes the connection with 4403 when its token expires, ending its subscriptions upstream', async () => {
    const tokens = tokenConfigFromEnv({ NODE_ENV: 'test' });
    const createdAt = seedUsers(TEST_SEED).find((user) => user.id === 'usr_18')!.createdAt.toISOString();
    // Expired a moment ago, within the gateway's clock tolerance: accepted now, refused a moment later.
    const token = await new SignJWT({ [ACCOUNT_CREATED_AT_CLAIM]: createdAt })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('usr_18')
      .setIssuer(tokens.issuer)
      .setAudience(tokens.audience)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 60)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 4)
      .sign(new TextEncoder().encode(tokens.secret));
    const client = connect(stack.url, { authorization: `Bearer ${token}` });
    clients.push(client);
    await client.connected;
    const subscription = client.subscribe<Added>(NOTIFICATION_ADDED);
    assert.deepEqual(await client.closed, { code: 4403, reason: 'Forbidden: TOKEN_EXPIRED' });
    await subscription.ended;
    await streamsOpen(0);
  });

  it('runs the permission rule of the subscription field: a token whose account is gone gets UNAUTHENTICATED and no stream', async () => {
    // Verifies, but names an account created at another time than usr_19's.
    const client = connect(stack.url, { authorization: `Bearer ${await stack.signToken({ sub: 'usr_19', [ACCOUNT_CREATED_AT_CLAIM]: new Date(0).toISOString() })}` });
    clients.push(client);
    await client.connected;
    const subscription = client.subscribe<Added>(NOTIFICATION_ADDED);
    assert.equal(await subscription.ended, null);
    assert.equal(subscription.events[0]?.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(subscription.events[0]?.errors?.[0]?.extensions?.reason, 'ACCOUNT_CHANGED');
    assert.equal(watchStreams(), 0);
  });

  it('refuses subscriptions past the per-connection and the per-viewer limits with SUBSCRIPTION_LIMIT_EXCEEDED', async () => {
    const one = await connectAs('usr_20');
    const running = [1, 2, 3].map(() => one.subscribe<Added>(NOTIFICATION_ADDED));
    await streamsOpen(3);
    const overConnection = one.subscribe<Added>(NOTIFICATION_ADDED);
    const [connectionError] = (await overConnection.ended) ?? [];
    assert.equal(connectionError?.extensions?.code, 'SUBSCRIPTION_LIMIT_EXCEEDED');
    assert.deepEqual([connectionError?.extensions?.limit, connectionError?.extensions?.max], ['subscriptionsPerConnection', 3]);

    const two = await connectAs('usr_20');
    running.push(two.subscribe<Added>(NOTIFICATION_ADDED));
    await streamsOpen(4);
    const overViewer = two.subscribe<Added>(NOTIFICATION_ADDED);
    const [viewerError] = (await overViewer.ended) ?? [];
    assert.equal(viewerError?.extensions?.code, 'SUBSCRIPTION_LIMIT_EXCEEDED');
    assert.deepEqual([viewerError?.extensions?.limit, viewerError?.extensions?.max], ['subscriptionsPerViewer', 4]);
    assert.equal(watchStreams(), 4, 'the refused ones opened no stream, the running ones go on');

    // Another viewer is not held to usr_20's count, and a place freed is a place to take.
    const other = await connectAs('usr_21');
    other.subscribe<Added>(NOTIFICATION_ADDED);
    await streamsOpen(5);
    running[0]!.unsubscribe();
    await streamsOpen(4);
    two.subscribe<Added>(NOTIFICATION_ADDED);
    await streamsOpen(5);
    for (const client of [one, two, other]) await client.dispose();
    await streamsOpen(0);
  });

  it('holds subscription documents to the limits of queries', async () => {
    const client = await connectAs('usr_22');
    const deep = client.subscribe(
      'subscription { notificationAdded { actor { followers { edges { node { followers { edges { node { followers { edges { node { id } } } } } } } } } } } }',
    );
    const [error] = (await deep.ended) ?? [];
    assert.equal(error?.extensions?.code, 'OPERATION_LIMIT_EXCEEDED');
    assert.equal(error?.extensions?.limit, 'depth');
    const query = client.subscribe('{ me { id } }');
    assert.equal(((await query.ended) ?? [])[0]?.extensions?.code, 'BAD_REQUEST');
    // graphql-js 16 throws on this one instead of reporting it; it is refused all the same, and the connection stays.
    const skipped = client.subscribe('subscription($skip: Boolean!) { notificationAdded @skip(if: $skip) { id } }', { skip: false });
    assert.equal(((await skipped.ended) ?? [])[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    const after = client.subscribe<Added>(NOTIFICATION_ADDED);
    await streamsOpen(1);
    after.unsubscribe();
    await streamsOpen(0);
  });

  it('refuses a subscription sent over HTTP, pointing at WebSocket', async () => {
    const token = await stack.signToken({ sub: 'usr_23' });
    for (const [query, variables] of [
      [NOTIFICATION_ADDED, {}],
      // One that graphql-js's own validation would throw on.
      ['subscription($v0: Boolean!) { __typename @skip(if: $v0) }', { v0: true }],
    ] as const) {
      const response = await graphql(stack.url, query, { token, variables });
      assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_REQUEST', JSON.stringify(response.errors));
      assert.match(response.errors?.[0]?.message ?? '', /WebSocket/);
    }
    assert.equal(watchStreams(), 0);
  });

  it('ends the subscription of a client that stops reading with SUBSCRIPTION_OVERFLOW, and its upstream stream with it', async () => {
    const { socket, messages, arrived, closed } = await rawSubscription('usr_24', 'subscription { notificationAdded { id } }');
    await streamsOpen(1);

    // The client stops reading its socket; notifications for it keep being stored.
    (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    // Follow events for usr_24, as the relations service publishes them.
    const publisher = stack.events();
    let stored = 0;
    while (watchStreams() === 1 && stored < 200_000) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const followerId = `usr_${(i % 50) + 1}`;
          return publisher.publish(createEvent({ type: 'user.followed', actor: followerId, subject: 'usr_24', payload: { followerId, followeeId: 'usr_24' } }));
        }),
      );
      stored += 100;
      // Let the notifications service's consumer store them before publishing more.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await publisher.close();
    assert.equal(watchStreams(), 0, 'the gateway cancelled the stream of the client that fell behind');

    (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.resume();
    while (!messages.some((message) => message.type === 'error')) {
      await Promise.race([arrived(), closed]);
      if (socket.readyState !== socket.OPEN) break;
    }
    const error = messages.find((message) => message.type === 'error');
    assert.ok(error, `no error message among ${messages.length}; the socket closed with ${socket.readyState === socket.OPEN ? 'none' : await closed}`);
    assert.equal((error.payload as { extensions?: { code?: string } }[])[0]?.extensions?.code, 'SUBSCRIPTION_OVERFLOW');
    assert.ok(messages.length < stored, 'the events past the bound were dropped, not queued');
    socket.close();
    await closed;
  });
});

describe('the periodic re-check of a subscription connection', () => {
  let stack: TestStack;
  const clients: SubscriptionClient[] = [];

  before(async () => {
    stack = await startStack({ env: { WEBSOCKET_TOKEN_RECHECK_MS: '1000' } });
  });
  after(async () => {
    for (const client of clients) await client.dispose();
    await stack.stop();
  });

  it('closes a connection whose token verifies but whose account no longer exists with 4403 ACCOUNT_CHANGED, and keeps the others', async () => {
    const kept = connect(stack.url, { authorization: `Bearer ${await stack.signToken({ sub: 'usr_31' })}` });
    // Verifies, but names an account created at another time than usr_32's: as a token does once its account is gone.
    const gone = connect(stack.url, { authorization: `Bearer ${await stack.signToken({ sub: 'usr_32', [ACCOUNT_CREATED_AT_CLAIM]: new Date(0).toISOString() })}` });
    clients.push(kept, gone);
    await Promise.all([kept.connected, gone.connected]);

    assert.deepEqual(await gone.closed, { code: 4403, reason: 'Forbidden: ACCOUNT_CHANGED' });
    const closedForAccount = sampleOf(await scrape(stack.gateway), 'gateway_websocket_closed_total', { reason: 'account-changed' });
    assert.equal(closedForAccount, 1);

    // The connection of an account that exists passed the same re-checks and still delivers.
    const live = kept.subscribe<Added>(NOTIFICATION_ADDED);
    while (stack.servers.notifications.openStreams('WatchNotifications') !== 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const response = await graphql(stack.url, 'mutation($id: ID!) { follow(userId: $id) { id } }', {
      variables: { id: 'usr_31' },
      token: await stack.signToken({ sub: 'usr_33', scope: 'write' }),
    });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const [event] = await live.atLeast(1);
    assert.equal(event!.data?.notificationAdded.actor?.id, 'usr_33');
    live.unsubscribe();
  });
});
