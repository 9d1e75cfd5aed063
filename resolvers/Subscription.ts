import type { SubscriptionResolvers } from '../generated/graphql/resolvers-types.js';
import { requireViewer } from '../src/auth/require-viewer.js';
import { mapLive } from '../src/grpc/live-stream.js';

/**
 * Root subscriptions: each starts a live stream of the viewer's own events
 * through a source, each event shaped as the field's payload. They are served
 * over WebSocket (src/subscriptions), where each event is resolved with a
 * context of its own.
 *
 * No field has a `resolve` of its own: graphql-middleware puts a field's
 * permission rule around `resolve` when there is one, and the rule must guard
 * `subscribe`, before any stream opens (`withPermissions` refuses otherwise).
 */
export const Subscription: SubscriptionResolvers = {
  notificationAdded: {
    subscribe: (_parent, _args, context) =>
      mapLive(context.sources.notifications.watchAdded(requireViewer(context).id), (notification) => ({ notificationAdded: notification })),
  },
  unreadNotificationCount: {
    subscribe: (_parent, _args, context) =>
      mapLive(context.sources.notifications.watchUnreadCount(requireViewer(context).id), (count) => ({ unreadNotificationCount: count })),
  },
};
