import { NotificationsServiceService } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { invalidArgument } from '../common/errors.js';
import { requireActor } from '../common/caller.js';
import { decodeCursor, encodeCursor, pageSize } from '../common/pagination.js';
import { createLogger } from '../common/logger.js';
import { bindService, type ServiceBinding } from '../common/server.js';
import { LiveFeed } from './live-feed.js';
import { toNotification } from './messages.js';
import type { NotificationRepository } from './repository.js';
import { checkNotificationIds, requireId } from './validation.js';

export interface NotificationsServiceDeps {
  /** The store: as observed by `feed` when one is given (`feed.observe(repository)`), so that what it stores reaches the streams. */
  repository: NotificationRepository;
  /** Who watches whose notifications (WatchNotifications); without one, the service makes its own over `repository`. */
  feed?: LiveFeed;
}

/**
 * The notifications service: each recipient's notifications, newest first,
 * with an unread count that covers all of them, not just the page. They are
 * created from domain events (`events.ts`), never by an RPC.
 */
export function createNotificationsService(deps: NotificationsServiceDeps): ServiceBinding {
  const feed = deps.feed ?? new LiveFeed({ logger: createLogger('notifications') });
  const repository = deps.feed ? deps.repository : feed.observe(deps.repository);
  return bindService(NotificationsServiceService, {
    async listNotifications(request, call) {
      const { pageSize: requested, pageToken, unreadOnly } = request;
      const recipientId = requireId(request.recipientId, 'recipient_id');
      // Private to the recipient, so checked like a write.
      requireActor(call, recipientId, { field: 'recipient_id' });
      const size = pageSize(requested);
      const beforeSequence = sequenceFromToken(pageToken);
      const [notifications, unreadCount] = await Promise.all([
        repository.list({ recipientId, beforeSequence, limit: size + 1, unreadOnly }),
        repository.unreadCount(recipientId),
      ]);
      // One more than a page was read only to learn whether another page follows.
      const page = notifications.slice(0, size);
      return {
        notifications: page.map(toNotification),
        cursors: page.map((notification) => encodeCursor([notification.sequence])),
        hasNextPage: notifications.length > size,
        unreadCount,
      };
    },

    async markRead(request, call) {
      const recipientId = requireId(request.recipientId, 'recipient_id');
      requireActor(call, recipientId, { field: 'recipient_id' });
      const ids = checkNotificationIds(request.ids);
      return { updatedCount: await repository.markRead(recipientId, ids) };
    },

    async watchNotifications(request, call) {
      const recipientId = requireId(request.recipientId, 'recipient_id');
      // Private to the recipient, like the listing.
      requireActor(call, recipientId, { field: 'recipient_id' });
      if (!request.notifications && !request.unreadCount) {
        throw invalidArgument('notifications', 'set notifications, unread_count or both: a stream of nothing is no stream');
      }
      await feed.watch(recipientId, request, call);
    },
  });
}

/**
 * The sequence a page token continues before. Cursors hold the storage
 * sequence, which is the same in the full and the unread-only listing, so a
 * cursor from either resumes the other at the same point.
 */
function sequenceFromToken(token: string): number | null {
  const key = decodeCursor(token, 1);
  if (key === null) return null;
  const [sequence] = key;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
    throw invalidArgument('page_token', 'page_token is not a valid cursor');
  }
  return sequence;
}
