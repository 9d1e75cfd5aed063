import type { NotificationResolvers } from '../generated/graphql/resolvers-types.js';
import {
  NotificationKind,
  type ListNotificationsResponse,
} from '../generated/proto/pinstack/notifications/v1/notifications.js';
import { InternalServerError } from '../src/errors.js';
import { pageInfo } from './connections.js';

/** A `NotificationConnection` from one `ListNotifications` reply. */
export function notificationConnection(reply: ListNotificationsResponse) {
  return {
    edges: reply.notifications.map((node, index) => ({ cursor: reply.cursors[index] ?? '', node })),
    pageInfo: pageInfo(reply.cursors, reply.hasNextPage),
    unreadCount: reply.unreadCount,
  };
}

export const Notification: NotificationResolvers = {
  kind: (notification) => {
    switch (notification.kind) {
      case NotificationKind.NOTIFICATION_KIND_FOLLOW:
        return 'FOLLOW';
      case NotificationKind.NOTIFICATION_KIND_LIKE:
        return 'LIKE';
      default:
        // A kind this gateway does not know yet: a contract mismatch with the service.
        throw new InternalServerError(`Unknown notification kind ${notification.kind}.`);
    }
  },
  actor: (notification, _args, context) =>
    notification.actorId ? context.sources.users.byId(notification.actorId) : null,
  post: (notification, _args, context) => (notification.postId ? context.sources.posts.byId(notification.postId) : null),
  createdAt: (notification) => requireDate(notification.createdAt),
};

function requireDate(date: Date | undefined): Date {
  if (!date) throw new InternalServerError('A notification came without its creation time.');
  return date;
}
