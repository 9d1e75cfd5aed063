import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import {
  NotificationKind,
  NotificationsServiceService,
} from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { DEFAULT_SEED } from '../../services/common/seed/config.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { MemoryNotificationRepository } from '../../services/notifications/memory-repository.js';
import { SEEDED_PER_ACCOUNT, SEEDED_UNREAD_PER_ACCOUNT, seedNotifications } from '../../services/notifications/seed.js';
import { createNotificationsService } from '../../services/notifications/service.js';
import { InvalidNotificationError, storeNotification, type NotificationDraft } from '../../services/notifications/store.js';
import { seedPosts } from '../../services/common/seed/posts.js';
import { RUN_TIME_ID, idTime } from '../../services/common/ids.js';
import { assertRpcError } from '../support/rpc.js';

const { NOTIFICATION_KIND_FOLLOW: FOLLOW, NOTIFICATION_KIND_LIKE: LIKE, NOTIFICATION_KIND_UNSPECIFIED: UNSPECIFIED } =
  NotificationKind;


describe('notifications service', () => {
  let server: RunningServer;
  let client: UnaryClient<typeof NotificationsServiceService>;
  // A clock that moves one second per notification, so creation times are distinct and known.
  let clock = Date.parse('2026-10-01T00:00:00.000Z');
  const now = () => (clock += 1000);
  const repository = new MemoryNotificationRepository();
  // Notifications are made from events (services/notifications/events.ts), each through `storeNotification`.
  const store = (draft: NotificationDraft, eventId: string = randomUUID()) => storeNotification(repository, draft, eventId, now);

  before(async () => {
    server = await startServer({
      name: 'notifications',
      address: '127.0.0.1:0',
      services: [createNotificationsService({ repository })],
    });
    client = createUnaryClient(NotificationsServiceService, server.address);
  });
  after(async () => {
    client.close();
    await server.shutdown();
  });

  const like = (recipientId: string, actorId: string, postId: string) => store({ recipientId, kind: LIKE, actorId, postId });
  const list = (recipientId: string, pageSize: number, pageToken = '', unreadOnly = false) =>
    client.api.listNotifications({ recipientId, pageSize, pageToken, unreadOnly });

  for (const [problem, draft] of [
    ['no recipient', { recipientId: '', kind: FOLLOW, actorId: 'usr_2', postId: '' }],
    ['no actor', { recipientId: 'usr_1', kind: FOLLOW, actorId: '', postId: '' }],
    ['an unspecified kind', { recipientId: 'usr_1', kind: UNSPECIFIED, actorId: 'usr_2', postId: '' }],
    ['a like of no post', { recipientId: 'usr_1', kind: LIKE, actorId: 'usr_2', postId: '' }],
    ['a follow about a post', { recipientId: 'usr_1', kind: FOLLOW, actorId: 'usr_2', postId: 'pst_1' }],
  ] as const) {
    it(`refuses to store a notification with ${problem}, storing nothing`, async () => {
      await assert.rejects(store(draft), InvalidNotificationError);
      assert.deepEqual((await list('usr_1', 10)).notifications, []);
    });
  }

  it('stores an unread notification with a random ntf_ id and the time it was made', async () => {
    const { notification, created } = await store({ recipientId: 'usr_new', kind: FOLLOW, actorId: 'usr_2', postId: '' });
    assert.equal(created, true);
    assert.match(notification.id, RUN_TIME_ID);
    assert.ok(notification.id.startsWith('ntf_'));
    assert.equal(idTime(notification.id), notification.createdAt, 'the id tells the time it was made');
    assert.equal(notification.read, false);
    assert.equal(notification.createdAt, clock);
    const listed = (await list('usr_new', 10)).notifications;
    assert.deepEqual(listed.map(({ id, kind, actorId, read, createdAt }) => ({ id, kind, actorId, read, createdAt })), [
      { id: notification.id, kind: FOLLOW, actorId: 'usr_2', read: false, createdAt: new Date(clock) },
    ]);
  });

  it('stores one notification per source event: storing from the same event again changes nothing', async () => {
    const eventId = randomUUID();
    const first = await store({ recipientId: 'usr_twice', kind: FOLLOW, actorId: 'usr_2', postId: '' }, eventId);
    await client.api.markRead({ recipientId: 'usr_twice', ids: [first.notification.id] });
    const again = await store({ recipientId: 'usr_twice', kind: FOLLOW, actorId: 'usr_2', postId: '' }, eventId);
    assert.equal(again.created, false);
    assert.equal(again.notification.id, first.notification.id);
    assert.equal(again.notification.read, true, 'the repeat answers with the notification as it is now');
    const page = await list('usr_twice', 10);
    assert.deepEqual([page.notifications.length, page.unreadCount], [1, 0]);
  });

  it('lists newest first and pages without gaps or repeats', async () => {
    const created: string[] = [];
    for (let i = 1; i <= 7; i++) created.push((await like('usr_paged', `usr_${i}`, `pst_${i}`)).notification!.id);
    const seen: string[] = [];
    let pageToken = '';
    for (;;) {
      const page = await list('usr_paged', 3, pageToken);
      assert.equal(page.cursors.length, page.notifications.length);
      seen.push(...page.notifications.map((notification) => notification.id));
      if (!page.hasNextPage) break;
      pageToken = page.cursors.at(-1)!;
    }
    assert.deepEqual(seen, created.reverse());
  });

  it("keeps each recipient's notifications to that recipient", async () => {
    await like('usr_alone', 'usr_2', 'pst_1');
    const page = await list('usr_alone', 10);
    assert.deepEqual(page.notifications.map((notification) => notification.recipientId), ['usr_alone']);
    assert.deepEqual((await list('usr_nobody', 10)).notifications, []);
  });

  it('filters to unread ones and counts unread across all pages, not just the page', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 6; i++) ids.push((await like('usr_reader', `usr_${i}`, `pst_${i}`)).notification!.id);
    const changed = await client.api.markRead({ recipientId: 'usr_reader', ids: [ids[1]!, ids[4]!] });
    assert.equal(changed.updatedCount, 2);

    const firstPage = await list('usr_reader', 2);
    assert.equal(firstPage.unreadCount, 4);
    assert.equal(firstPage.notifications.length, 2);

    const unread: string[] = [];
    let pageToken = '';
    for (;;) {
      const page = await list('usr_reader', 3, pageToken, true);
      assert.equal(page.unreadCount, 4);
      assert.ok(page.notifications.every((notification) => !notification.read));
      unread.push(...page.notifications.map((notification) => notification.id));
      if (!page.hasNextPage) break;
      pageToken = page.cursors.at(-1)!;
    }
    assert.deepEqual(unread, [ids[5], ids[3], ids[2], ids[0]]);
  });

  it("marks only the recipient's own notifications, ignoring others' and unknown ids", async () => {
    const mine = (await like('usr_owner', 'usr_2', 'pst_1')).notification!.id;
    const theirs = (await like('usr_other', 'usr_2', 'pst_1')).notification!.id;
    const { updatedCount } = await client.api.markRead({ recipientId: 'usr_owner', ids: [mine, theirs, 'ntf_999999', mine] });
    assert.equal(updatedCount, 1);
    const other = await list('usr_other', 10);
    assert.equal(other.unreadCount, 1);
    assert.equal(other.notifications[0]!.read, false);
    assert.equal((await list('usr_owner', 10)).notifications[0]!.read, true);
  });

  it('counts a notification already read as no change', async () => {
    const id = (await like('usr_twice', 'usr_2', 'pst_1')).notification!.id;
    assert.equal((await client.api.markRead({ recipientId: 'usr_twice', ids: [id] })).updatedCount, 1);
    assert.equal((await client.api.markRead({ recipientId: 'usr_twice', ids: [id] })).updatedCount, 0);
  });

  it('rejects marking more than 500 ids at once, and a call without a recipient', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => `ntf_${i + 1}`);
    await assertRpcError(client.api.markRead({ recipientId: 'usr_1', ids }), status.INVALID_ARGUMENT, 'ids');
    await assertRpcError(client.api.markRead({ recipientId: '', ids: [] }), status.INVALID_ARGUMENT, 'recipient_id');
    await assertRpcError(list('', 10), status.INVALID_ARGUMENT, 'recipient_id');
  });

  it('rejects a page token it did not issue', async () => {
    await assertRpcError(list('usr_paged', 3, 'bogus'), status.INVALID_ARGUMENT, 'page_token');
  });
});

describe('notifications seed', () => {
  const config = { ...DEFAULT_SEED, users: 40, posts: 300, likesPerPost: 6, demoAccounts: 3 };

  it('gives demo accounts notifications for likes the posts seed really has', () => {
    const seeded = seedNotifications(config);
    assert.ok(seeded.length > 0);
    const { posts, likes } = seedPosts(config);
    const authors = new Map(posts.map((post) => [post.id, post.authorId]));
    const pairs = new Set(likes.map(([postId, userId]) => `${postId}/${userId}`));
    for (const notification of seeded) {
      assert.ok(['usr_1', 'usr_2', 'usr_3'].includes(notification.recipientId));
      assert.equal(notification.kind, LIKE);
      assert.equal(authors.get(notification.postId), notification.recipientId);
      assert.ok(pairs.has(`${notification.postId}/${notification.actorId}`));
      assert.ok(notification.createdAt < config.epoch.getTime());
    }
  });

  it('keeps the newest few per account unread and the rest read, stored oldest first', () => {
    const seeded = seedNotifications(config);
    for (let i = 1; i < seeded.length; i++) assert.ok(seeded[i]!.createdAt >= seeded[i - 1]!.createdAt);
    for (const recipient of new Set(seeded.map((notification) => notification.recipientId))) {
      const own = seeded.filter((notification) => notification.recipientId === recipient).reverse();
      assert.ok(own.length <= SEEDED_PER_ACCOUNT);
      const unread = own.filter((notification) => !notification.read);
      assert.equal(unread.length, Math.min(SEEDED_UNREAD_PER_ACCOUNT, own.length));
      assert.deepEqual(unread, own.slice(0, unread.length));
    }
  });
});
