import { NotificationKind } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { createRandom } from '../common/random.js';
import { seededUserId, type SeedConfig } from '../common/seed/config.js';
import { seedPosts } from '../common/seed/posts.js';
import type { NewNotification } from './repository.js';

/** Notifications kept per demo account: enough to page through, few enough to read. */
export const SEEDED_PER_ACCOUNT = 30;
/** How many of those, the newest, start unread. */
export const SEEDED_UNREAD_PER_ACCOUNT = 5;

/**
 * Deterministic demo notifications: for each demo account (`usr_1` …
 * `usr_<demoAccounts>`), LIKE notifications for the newest likes on its
 * seeded posts. They are derived from the posts service's own seed, so every
 * notification names a like that the posts service really has; each like is
 * given a time between its post's creation and the epoch. The newest
 * `SEEDED_UNREAD_PER_ACCOUNT` of each account are unread, the rest read.
 * Returned oldest first, the order to store them in.
 */
export function seedNotifications(config: SeedConfig): NewNotification[] {
  if (config.demoAccounts === 0) return [];
  const random = createRandom(config.seed ^ 0x85ebca6b);
  const epoch = config.epoch.getTime();
  const { posts, likes } = seedPosts(config);

  const demoAccounts = new Set(Array.from({ length: config.demoAccounts }, (_, i) => seededUserId(i + 1)));
  const demoPosts = new Map(posts.filter((post) => demoAccounts.has(post.authorId)).map((post) => [post.id, post]));

  const byRecipient = new Map<string, NewNotification[]>();
  for (const [postId, actorId] of likes) {
    const post = demoPosts.get(postId);
    if (!post) continue;
    const createdAt = post.createdAt + Math.floor(random() * (epoch - post.createdAt));
    const list = byRecipient.get(post.authorId) ?? [];
    list.push({ recipientId: post.authorId, kind: NotificationKind.NOTIFICATION_KIND_LIKE, actorId, postId, read: true, createdAt });
    byRecipient.set(post.authorId, list);
  }

  const kept: NewNotification[] = [];
  for (const list of byRecipient.values()) {
    list.sort((a, b) => b.createdAt - a.createdAt);
    list.slice(0, SEEDED_PER_ACCOUNT).forEach((notification, index) => {
      kept.push({ ...notification, read: index >= SEEDED_UNREAD_PER_ACCOUNT });
    });
  }
  // Storage order is listing order, so store the oldest first.
  return kept.sort((a, b) => a.createdAt - b.createdAt);
}
