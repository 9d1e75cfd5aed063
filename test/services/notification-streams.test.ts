import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  NotificationKind,
  NotificationsServiceService,
  type WatchNotificationsRequest,
  type WatchNotificationsResponse,
} from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { identityMetadata } from '../../platform/identity.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { createLogger } from '../../services/common/logger.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { LiveFeed } from '../../services/notifications/live-feed.js';
import { MemoryNotificationRepository } from '../../services/notifications/memory-repository.js';
import type { NotificationRepository } from '../../services/notifications/repository.js';
import { createNotificationsService } from '../../services/notifications/service.js';

const SECRET = 'a-service-secret-for-notification-streams-0123';
const { NOTIFICATION_KIND_FOLLOW: FOLLOW } = NotificationKind;

/** Reads a stream's responses as they come, and how it ended. */
class StreamReader {
  readonly received: WatchNotificationsResponse[] = [];
  readonly ended: Promise<ServiceError | null>;
  readonly #waiters: (() => void)[] = [];

  constructor(readonly stream: ClientReadableStream<WatchNotificationsResponse>) {
    stream.on('data', (response: WatchNotificationsResponse) => {
      this.received.push(response);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.ended = new Promise((resolve) => {
      stream.on('error', (error: ServiceError) => resolve(error));
      stream.on('end', () => resolve(null));
    });
  }

  /** Resolves once `count` responses have arrived. */
  async atLeast(count: number): Promise<WatchNotificationsResponse[]> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.received.slice(0, count);
  }
}

describe('WatchNotifications', () => {
  let server: RunningServer;
  let client: UnaryClient<typeof NotificationsServiceService>;
  let feed: LiveFeed;
  let repository: NotificationRepository;
  const readers: StreamReader[] = [];

  const start = async (maxPendingPerStream?: number) => {
    feed = new LiveFeed({ logger: createLogger('notifications'), maxPendingPerStream });
    repository = feed.observe(new MemoryNotificationRepository());
    server = await startServer({
      name: 'notifications',
      address: '127.0.0.1:0',
      services: [createNotificationsService({ repository, feed })],
      serviceSecret: SECRET,
    });
    client = createUnaryClient(NotificationsServiceService, server.address);
  };
  const as = (userId: string) => identityMetadata(SECRET, { userId, roles: ['user'] });
  const watch = (userId: string, request: Partial<WatchNotificationsRequest> = {}, caller = userId) => {
    const reader = new StreamReader(
      client.streams.watchNotifications({ recipientId: userId, notifications: true, unreadCount: false, ...request }, { metadata: as(caller) }),
    );
    readers.push(reader);
    return reader;
  };
  let events = 0;
  const follow = async (recipientId: string, actorId: string) =>
    (await repository.create({ recipientId, kind: FOLLOW, actorId, postId: '', read: false, createdAt: Date.now() }, `evt_follow_${(events += 1)}`)).notification;
  /** Waits until the service counts `count` open streams: a stream is open once its first event can reach it. */
  const streamsOpen = async (count: number) => {
    while (feed.watching() !== count) await new Promise((resolve) => setImmediate(resolve));
  };

  beforeEach(() => start());
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.stream.cancel();
    client.close();
    await server.shutdown(1_000);
  });

  it("sends each notification stored for the recipient to the recipient's stream, and no one else's", async () => {
    const mine = watch('usr_1');
    const theirs = watch('usr_2');
    await streamsOpen(2);
    const first = await follow('usr_1', 'usr_7');
    const second = await follow('usr_1', 'usr_8');
    const [a, b] = await mine.atLeast(2);
    assert.deepEqual([a!.notificationAdded?.id, b!.notificationAdded?.id], [first.id, second.id]);
    assert.equal(a!.notificationAdded?.actorId, 'usr_7');
    // A notification for usr_2 arrives after usr_1's on the same connection; theirs saw none of usr_1's.
    const own = await follow('usr_2', 'usr_9');
    assert.deepEqual((await theirs.atLeast(1)).map((event) => event.notificationAdded?.id), [own.id]);
    assert.equal(theirs.received.length, 1);
  });

  it('sends the unread count at once, then whenever a notification is stored or marked read', async () => {
    await follow('usr_3', 'usr_7');
    const counts = watch('usr_3', { notifications: false, unreadCount: true });
    assert.equal((await counts.atLeast(1))[0]!.unreadCount, 1);
    const stored = await follow('usr_3', 'usr_8');
    assert.equal((await counts.atLeast(2))[1]!.unreadCount, 2);
    await client.api.markRead({ recipientId: 'usr_3', ids: [stored.id] }, { metadata: as('usr_3') });
    assert.equal((await counts.atLeast(3))[2]!.unreadCount, 1);
    assert.ok(counts.received.every((event) => event.notificationAdded === undefined), 'only counts were asked for');
  });

  it("refuses to stream someone else's notifications", async () => {
    const error = await watch('usr_1', {}, 'usr_2').ended;
    assert.equal(error?.code, status.PERMISSION_DENIED);
    assert.equal(feed.watching(), 0);
  });

  it('refuses a stream that asks for nothing', async () => {
    const error = await watch('usr_1', { notifications: false, unreadCount: false }).ended;
    assert.equal(error?.code, status.INVALID_ARGUMENT);
  });

  it('forgets a stream as soon as its caller cancels it', async () => {
    const reader = watch('usr_4');
    await streamsOpen(1);
    assert.equal(server.openStreams('WatchNotifications'), 1);
    reader.stream.cancel();
    await streamsOpen(0);
    assert.equal(feed.watching('usr_4'), 0);
    // The server drops it on the same cancellation.
    while (server.openStreams('WatchNotifications') !== 0) await new Promise((resolve) => setImmediate(resolve));
  });

  it('ends open streams with UNAVAILABLE when the service shuts down, without waiting out the grace period', async () => {
    const reader = watch('usr_5');
    await streamsOpen(1);
    const shutdown = server.shutdown(60_000);
    const error = await reader.ended;
    assert.equal(error?.code, status.UNAVAILABLE);
    await shutdown;
  });

  describe('a caller that does not read', () => {
    beforeEach(async () => {
      // Restarted with a small bound, so that flow control fills it quickly.
      client.close();
      await server.shutdown(1_000);
      await start(8);
    });

    it('has its stream ended with RESOURCE_EXHAUSTED once too many events wait for it, and is forgotten', async () => {
      const reader = watch('usr_6');
      await streamsOpen(1);
      reader.stream.pause();
      // Stored back to back, so that nothing is sent meanwhile: the responses wait at the service.
      let stored = 0;
      while (feed.watching('usr_6') === 1 && stored < 100_000) {
        await follow('usr_6', `usr_${stored % 50}`);
        stored += 1;
      }
      assert.equal(feed.watching('usr_6'), 0, 'the stream was ended before 100,000 events were stored');
      reader.stream.resume();
      const error = await reader.ended;
      assert.equal(error?.code, status.RESOURCE_EXHAUSTED);
      assert.ok(reader.received.length < stored, 'the events past the bound were never queued for it');
    });
  });
});
