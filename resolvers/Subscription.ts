import type { Notification as NotificationMessage } from '../generated/proto/pinstack/notifications/v1/notifications.js';
import type { SubscriptionResolvers } from '../generated/graphql/resolvers-types.js';
import { requireViewer } from '../src/auth/require-viewer.js';

/**
 * Root subscriptions: each starts a live stream of the viewer's own events
 * through a source; each event is the field's value as it arrives. They are
 * served over WebSocket (src/subscriptions), where each event is resolved with
 * a context of its own.
 */
export const Subscription: SubscriptionResolvers = {
  notificationAdded: {
    subscribe: (_parent, _args, context) => context.sources.notifications.watchAdded(requireViewer(context).id),
    resolve: (notification: NotificationMessage) => notification,
  },
  unreadNotificationCount: {
    subscribe: (_parent, _args, context) => context.sources.notifications.watchUnreadCount(requireViewer(context).id),
    resolve: (count: number) => count,
  },
};
