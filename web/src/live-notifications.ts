import type { ApolloCache, Reference } from '@apollo/client';
import { useSubscription } from '@apollo/client/react';
import { graphql } from '../../generated/web';
import type { NotificationItemFragment as NotificationItem } from '../../generated/web/graphql';
import { NotificationItemFragment } from './screens/Notifications';

const NotificationAddedSubscription = graphql(`
  subscription NotificationAdded {
    notificationAdded {
      ...NotificationItem
    }
  }
`);

const UnreadNotificationCountSubscription = graphql(`
  subscription UnreadNotificationCount {
    unreadNotificationCount
  }
`);

/** The `notifications` connection as the cache stores it (Apollo's relayStylePagination): edges point at normalised notifications. */
interface StoredConnection {
  edges?: { __typename?: string; cursor: string; node: Reference }[];
  unreadCount?: number;
}

/** Every cached page list of `notifications` (one per `unreadOnly`), changed by `change`. */
function modifyConnections(cache: ApolloCache, change: (connection: StoredConnection, isReference: (value: unknown) => value is Reference) => StoredConnection): void {
  cache.modify<{ notifications: StoredConnection }>({
    fields: {
      notifications: (existing, { isReference }) => (isReference(existing) ? existing : change(existing, isReference)),
    },
  });
}

/**
 * A new notification at the top of the cached lists, unless it is there
 * already (the list was fetched after it was stored). Its cursor is unknown
 * until the list is fetched again; the lists page on from their last cursor,
 * which it does not change.
 */
export function prependNotification(cache: ApolloCache, notification: NotificationItem): void {
  const node = cache.writeFragment({ fragment: NotificationItemFragment, fragmentName: 'NotificationItem', data: notification });
  if (!node) return;
  modifyConnections(cache, (connection) => {
    const edges = connection.edges ?? [];
    if (edges.some((edge) => edge.node.__ref === node.__ref)) return connection;
    return { ...connection, edges: [{ __typename: 'NotificationEdge', cursor: '', node }, ...edges] };
  });
}

/** The unread count the gateway reported, on every cached list (the badge reads it there). */
export function setUnreadCount(cache: ApolloCache, unreadCount: number): void {
  modifyConnections(cache, (connection) => ({ ...connection, unreadCount }));
}

/**
 * While the person is signed in: the unread count and each new notification,
 * live over the gateway's WebSocket, written into the cache that the badge
 * and the notifications screen read. The count arrives at once on each
 * (re)connection, so a reconnection leaves the badge right.
 */
export function useLiveNotifications(): void {
  useSubscription(UnreadNotificationCountSubscription, {
    ignoreResults: true,
    onData: ({ client, data }) => {
      if (data.data) setUnreadCount(client.cache, data.data.unreadNotificationCount);
    },
  });
  useSubscription(NotificationAddedSubscription, {
    ignoreResults: true,
    onData: ({ client, data }) => {
      if (data.data) prependNotification(client.cache, data.data.notificationAdded);
    },
  });
}
