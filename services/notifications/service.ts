import { NotificationsServiceService, type Notification } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { invalidArgument } from '../common/errors.js';
import { requireActor } from '../common/caller.js';
import { decodeCursor, encodeCursor, pageSize } from '../common/pagination.js';
import { bindService, type ServiceBinding } from '../common/server.js';
import type { NotificationRecord, NotificationRepository } from './repository.js';
import { checkNotificationIds, requireId } from './validation.js';

export interface NotificationsServiceDeps {
  repository: NotificationRepository;
}

/**
 * The notifications service: each recipient's notifications, newest first,
 * with an unread count that covers all of them, not just the page. They are
 * created from domain events (`events.ts`), never by an RPC.
 */
export function createNotificationsService({ repository }: NotificationsServiceDeps): ServiceBinding {
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

function toNotification(record: NotificationRecord): Notification {
  return {
    id: record.id,
    recipientId: record.recipientId,
    kind: record.kind,
    actorId: record.actorId,
    postId: record.postId,
    read: record.read,
    createdAt: new Date(record.createdAt),
  };
}
