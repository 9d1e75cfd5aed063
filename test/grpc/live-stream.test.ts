import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { NotificationKind, NotificationsServiceService, type WatchNotificationsResponse } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { createUnaryClient, type UnaryClient } from '../../platform/unary-client.js';
import { createLogger } from '../../services/common/logger.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { LiveFeed } from '../../services/notifications/live-feed.js';
import { MemoryNotificationRepository } from '../../services/notifications/memory-repository.js';
import type { NotificationRepository } from '../../services/notifications/repository.js';
import { createNotificationsService } from '../../services/notifications/service.js';
import { SubscriptionOverflowError } from '../../src/errors.js';
import { liveStream, type LiveStream } from '../../src/grpc/live-stream.js';

/** The gateway's side of a WatchNotifications stream, over a real call to a bare notifications service. */
describe('a live stream of a server-streaming call', () => {
  let server: RunningServer;
  let client: UnaryClient<typeof NotificationsServiceService>;
  let feed: LiveFeed;
  let repository: NotificationRepository;

  beforeEach(async () => {
    feed = new LiveFeed({ logger: createLogger('notifications') });
    repository = feed.observe(new MemoryNotificationRepository());
    server = await startServer({ name: 'notifications', address: '127.0.0.1:0', services: [createNotificationsService({ repository, feed })] });
    client = createUnaryClient(NotificationsServiceService, server.address);
  });
  afterEach(async () => {
    client.close();
    await server.shutdown(1_000);
  });

  const watch = (maxBuffered: number): LiveStream<WatchNotificationsResponse> =>
    liveStream(client.streams.watchNotifications({ recipientId: 'usr_1', notifications: true, unreadCount: false }), {
      maxBuffered,
      overflow: () => new SubscriptionOverflowError(maxBuffered),
      failure: (error) => error as Error,
    });
  let events = 0;
  const store = async () =>
    (
      await repository.create(
        { recipientId: 'usr_1', kind: NotificationKind.NOTIFICATION_KIND_FOLLOW, actorId: 'usr_2', postId: '', read: false, createdAt: Date.now() },
        `evt_live_${(events += 1)}`,
      )
    ).notification;
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setImmediate(resolve));
  };

  it('hands over the events in order', async () => {
    const stream = watch(8);
    await until(() => feed.watching() === 1);
    const stored = [await store(), await store()];
    const received = [(await stream.next()).value, (await stream.next()).value] as WatchNotificationsResponse[];
    assert.deepEqual(
      received.map((event) => event.notificationAdded?.id),
      stored.map((record) => record.id),
    );
    await stream.return();
  });

  it('ends with SUBSCRIPTION_OVERFLOW and cancels the call once more events wait than it may hold', async () => {
    const stream = watch(3);
    await until(() => feed.watching() === 1);
    // Nobody asks for events while four arrive: one more than the stream may hold.
    for (let i = 0; i < 4; i++) await store();
    await until(() => feed.watching() === 0);
    await assert.rejects(stream.next(), (error: unknown) => error instanceof SubscriptionOverflowError && error.extensions.code === 'SUBSCRIPTION_OVERFLOW');
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  });

  it('stops at once when its consumer returns, even while a next() is waiting, and cancels the call', async () => {
    const stream = watch(8);
    await until(() => feed.watching() === 1);
    const waiting = stream.next();
    await stream.return();
    assert.deepEqual(await waiting, { done: true, value: undefined });
    await until(() => feed.watching() === 0 && server.openStreams() === 0);
  });
});
