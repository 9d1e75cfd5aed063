import assert from 'node:assert/strict';
import { NotificationKind, NotificationsServiceService } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { createEvent, JetStreamBus, type DeadLetter, type EventBus, type EventSubscription } from '../../platform/events/index.js';
import { identityMetadata, serviceIdentityFromEnv } from '../../platform/identity.js';
import { createUnaryClient } from '../../services/common/client.js';
import { MemoryOutbox } from '../../services/common/events/outbox.js';
import { OutboxRelay } from '../../services/common/events/relay.js';
import { createLogger } from '../../services/common/logger.js';
import { seededUserId } from '../../services/common/seed/config.js';
import { startServer } from '../../services/common/server.js';
import { consumeNotificationEvents, NOTIFICATIONS_CONSUMER } from '../../services/notifications/events.js';
import { MemoryNotificationRepository } from '../../services/notifications/memory-repository.js';
import type { NotificationRepository } from '../../services/notifications/repository.js';
import { MemoryRelationsRepository } from '../../services/relations/memory-repository.js';
import { createRelationsService } from '../../services/relations/service.js';
import { eventually } from '../support/eventually.js';
import { graphql } from '../support/graphql.js';
import { CuttableProxy, deleteNamespace, natsSkipReason, testNamespace, TEST_NATS_URL } from '../support/nats.js';
import { afterEach, beforeEach, describe, it } from '../support/skippable.js';
import { startStack, type TestStack } from '../support/stack.js';

const skip = await natsSkipReason();
const SECRET = serviceIdentityFromEnv({ NODE_ENV: 'test' }).secret;
const as = (userId: string) => ({ metadata: identityMetadata(SECRET, { userId, roles: ['user'] }) });
/** Short delays, so that retries and redeliveries happen within a test. */
const FAST = { ackWaitMs: 1_000, retryDelaysMs: [50] } as const;
const FOLLOW = NotificationKind.NOTIFICATION_KIND_FOLLOW;

describe('notifications from events on JetStream', { skip }, () => {
  let namespace: string;
  const buses: EventBus[] = [];
  const subscriptions: EventSubscription[] = [];
  const bus = (url = TEST_NATS_URL) => {
    const created = new JetStreamBus({ url, namespace, name: 'notifications-test', logger: createLogger('events'), publishTimeoutMs: 1_000 });
    buses.push(created);
    return created;
  };
  const inbox = async (repository: NotificationRepository, recipientId: string) =>
    (await repository.list({ recipientId, beforeSequence: null, limit: 100, unreadOnly: false })).map(({ kind, actorId, postId }) => ({ kind, actorId, postId }));

  beforeEach(() => {
    namespace = testNamespace('notifications');
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
    await Promise.all(buses.splice(0).map((open) => open.close()));
    await deleteNamespace(namespace);
  });

  it('a follow through the gateway produces exactly one notification for the followee', async () => {
    const stack: TestStack = await startStack({ events: () => bus(), env: { EVENTS_ACK_WAIT_MS: '1000' } });
    try {
      const token = await stack.login('user1@example.com');
      const followee = seededUserId(40);
      const notifications = createUnaryClient(NotificationsServiceService, stack.servers.notifications.address);
      const follows = async () =>
        (await notifications.api.listNotifications({ recipientId: followee, pageSize: 100, pageToken: '', unreadOnly: false }, as(followee))).notifications.filter(
          (n) => n.kind === FOLLOW && n.actorId === seededUserId(1),
        );
      try {
        // The seeded graph may have the follow already: a follow that changes nothing says nothing.
        await graphql(stack.url, `mutation($id: ID!) { unfollow(userId: $id) { id } }`, { token, variables: { id: followee } });
        const answer = await graphql(stack.url, `mutation($id: ID!) { follow(userId: $id) { id } }`, { token, variables: { id: followee } });
        assert.deepEqual(answer.errors, undefined);
        await eventually('the follow notification', async () => ((await follows()).length > 0 ? true : undefined));
        // A later event through the same consumer: once it is in, a duplicate of the first would be too.
        const marker = seededUserId(41);
        await graphql(stack.url, `mutation($id: ID!) { unfollow(userId: $id) { id } }`, { token, variables: { id: marker } });
        await graphql(stack.url, `mutation($id: ID!) { follow(userId: $id) { id } }`, { token, variables: { id: marker } });
        await eventually('the later notification', async () => {
          const list = await notifications.api.listNotifications({ recipientId: marker, pageSize: 100, pageToken: '', unreadOnly: false }, as(marker));
          return list.notifications.some((n) => n.actorId === seededUserId(1)) ? true : undefined;
        });
        assert.equal((await follows()).length, 1);
      } finally {
        notifications.close();
      }
    } finally {
      await stack.stop();
    }
  });

  it('a consumer killed after its write and before its ack, started again, loses no notification and duplicates none', async () => {
    const publisher = bus();
    const store = new MemoryNotificationRepository();
    const events = Array.from({ length: 5 }, (_, at) =>
      createEvent({ type: 'user.followed', actor: `usr_fan${at}`, subject: 'usr_star', payload: { followerId: `usr_fan${at}`, followeeId: 'usr_star' } }),
    );
    for (const event of events) await publisher.publish(event);

    // The first process writes the third notification, then dies before acknowledging it.
    let writes = 0;
    let release!: () => void;
    const dying: NotificationRepository = Object.assign(Object.create(store) as MemoryNotificationRepository, {
      async create(...args: Parameters<NotificationRepository['create']>) {
        const created = await store.create(...args);
        if (++writes === 3) await new Promise<void>((resolve) => (release = resolve));
        return created;
      },
    });
    const doomed = bus();
    await consumeNotificationEvents(doomed, { repository: dying, logger: createLogger('notifications'), ...FAST });
    await eventually('the third write', () => (writes >= 3 ? true : undefined));
    await doomed.close();
    release();

    // Started again over the same store (a database outlives the process).
    subscriptions.push(await consumeNotificationEvents(bus(), { repository: store, logger: createLogger('notifications'), ...FAST }));
    const expected = events.map((event) => ({ kind: FOLLOW, actorId: event.actor, postId: '' })).reverse();
    await eventually('every notification', async () => ((await inbox(store, 'usr_star')).length >= events.length ? true : undefined));
    const marker = createEvent({ type: 'user.followed', actor: 'usr_fan9', subject: 'usr_marker', payload: { followerId: 'usr_fan9', followeeId: 'usr_marker' } });
    await publisher.publish(marker);
    await eventually('the marker', async () => ((await inbox(store, 'usr_marker')).length > 0 ? true : undefined));
    assert.deepEqual(await inbox(store, 'usr_star'), expected);
  });

  it('an event delivered again after its notification was written creates no second one', async () => {
    const store = new MemoryNotificationRepository();
    let failedOnce = false;
    // The write succeeds, then the handler fails before the ack (the ack is lost): the event comes again.
    const flaky: NotificationRepository = Object.assign(Object.create(store) as MemoryNotificationRepository, {
      async create(...args: Parameters<NotificationRepository['create']>) {
        const created = await store.create(...args);
        if (!failedOnce) {
          failedOnce = true;
          throw new Error('lost the connection after the write');
        }
        return created;
      },
    });
    const consumer = bus();
    subscriptions.push(await consumeNotificationEvents(consumer, { repository: flaky, logger: createLogger('notifications'), ...FAST }));
    const like = createEvent({ type: 'post.liked', actor: 'usr_fan', subject: 'pst_1', payload: { postId: 'pst_1', authorId: 'usr_author', likerId: 'usr_fan' } });
    await consumer.publish(like);
    const marker = createEvent({ type: 'post.liked', actor: 'usr_fan', subject: 'pst_2', payload: { postId: 'pst_2', authorId: 'usr_author', likerId: 'usr_fan' } });
    await eventually('the redelivery', () => (failedOnce ? true : undefined));
    await consumer.publish(marker);
    await eventually('the marker', async () => ((await inbox(store, 'usr_author')).length >= 2 ? true : undefined));
    assert.deepEqual(await inbox(store, 'usr_author'), [
      { kind: NotificationKind.NOTIFICATION_KIND_LIKE, actorId: 'usr_fan', postId: 'pst_2' },
      { kind: NotificationKind.NOTIFICATION_KIND_LIKE, actorId: 'usr_fan', postId: 'pst_1' },
    ]);
  });

  it('an event that can never be stored ends in the dead letters after max deliveries; the others are stored', async () => {
    const store = new MemoryNotificationRepository();
    const attempts: string[] = [];
    const broken: NotificationRepository = Object.assign(Object.create(store) as MemoryNotificationRepository, {
      async create(...args: Parameters<NotificationRepository['create']>) {
        if (args[0].recipientId === 'usr_cursed') {
          attempts.push(args[1]);
          throw new Error('this inbox cannot be written');
        }
        return store.create(...args);
      },
    });
    const consumer = bus();
    const letters: DeadLetter[] = [];
    subscriptions.push(await consumer.watchDeadLetters((letter) => letters.push(letter)));
    subscriptions.push(await consumeNotificationEvents(consumer, { repository: broken, logger: createLogger('notifications'), maxDeliver: 3, ...FAST }));
    const poison = createEvent({ type: 'user.followed', actor: 'usr_fan', subject: 'usr_cursed', payload: { followerId: 'usr_fan', followeeId: 'usr_cursed' } });
    const healthy = createEvent({ type: 'user.followed', actor: 'usr_fan', subject: 'usr_fine', payload: { followerId: 'usr_fan', followeeId: 'usr_fine' } });
    await consumer.publish(poison);
    await consumer.publish(healthy);
    const letter = await eventually('the dead letter', () => letters.find((entry) => entry.eventId === poison.id));
    assert.equal(letter.consumer, NOTIFICATIONS_CONSUMER);
    assert.equal(letter.deliveries, 3);
    assert.equal(letter.subject, consumer.topology.subject('user.followed', 1));
    assert.deepEqual(attempts, [poison.id, poison.id, poison.id]);
    await eventually('the healthy notification', async () => ((await inbox(store, 'usr_fine')).length > 0 ? true : undefined));
  });

  it('with NATS unreachable, follows still succeed; their events wait in the outbox and arrive, once each, after it returns', async () => {
    const proxy = await CuttableProxy.start();
    try {
      // Relations reaches NATS only through the proxy; notifications directly.
      const relationsBus = bus(proxy.url);
      const outbox = new MemoryOutbox();
      const relay = new OutboxRelay(outbox, relationsBus, { logger: createLogger('relations'), backoffMs: { initial: 50, max: 200 } });
      relay.start();
      const relations = await startServer({
        name: 'relations',
        address: '127.0.0.1:0',
        services: [createRelationsService({ repository: new MemoryRelationsRepository([], { outbox }) })],
      });
      const client = createUnaryClient(RelationsServiceService, relations.address);
      const store = new MemoryNotificationRepository();
      subscriptions.push(await consumeNotificationEvents(bus(), { repository: store, logger: createLogger('notifications'), ...FAST }));
      try {
        await client.api.follow({ followerId: 'usr_a', followeeId: 'usr_b' });
        await eventually('the first notification', async () => ((await inbox(store, 'usr_b')).length > 0 ? true : undefined));

        await proxy.cut();
        const during = ['usr_c', 'usr_d', 'usr_e'];
        for (const followeeId of during) assert.deepEqual(await client.api.follow({ followerId: 'usr_a', followeeId }), { created: true });
        assert.equal(outbox.size, during.length, 'the events wait in the outbox');

        await proxy.open();
        for (const followeeId of during) {
          await eventually(`the notification of ${followeeId}`, async () => ((await inbox(store, followeeId)).length > 0 ? true : undefined), 30_000);
        }
        await eventually('the outbox to empty', () => (outbox.size === 0 ? true : undefined));
        for (const followeeId of ['usr_b', ...during]) {
          assert.deepEqual(await inbox(store, followeeId), [{ kind: FOLLOW, actorId: 'usr_a', postId: '' }], followeeId);
        }
      } finally {
        client.close();
        await relay.stop(0);
        await relations.shutdown();
      }
    } finally {
      await proxy.cut();
    }
  });

  it("a profile changed by another client of the users service is dropped from the gateway's cache at once", async () => {
    const stack: TestStack = await startStack({ events: () => bus(), env: { PROFILE_CACHE_TTL_SECONDS: '3600' } });
    const users = createUnaryClient(UsersServiceService, stack.servers.users.address);
    try {
      const userId = seededUserId(7);
      const read = async () =>
        (await graphql<{ profile: { user: { displayName: string } } }>(stack.url, `query($id: ID!) { profile(userId: $id) { user { displayName } } }`, { variables: { id: userId } })).data!.profile.user.displayName;
      const before = await read();
      // Cached now: a second read is answered from the cache (see test/gateway/profile-invalidation.test.ts).
      assert.equal(await read(), before);
      // Not through the gateway: straight to the users service, as another client would.
      await users.api.updateProfile({ userId, displayName: 'Renamed Elsewhere' }, as(userId));
      await eventually('the new name through the gateway', async () => ((await read()) === 'Renamed Elsewhere' ? true : undefined));
    } finally {
      users.close();
      await stack.stop();
    }
  });
});
