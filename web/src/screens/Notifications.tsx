import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { graphql } from '../../../generated/web';
import { describeError } from '../apollo/gateway-errors';
import { Link } from '../router';

/** Notifications per page, here and for the badge's count. */
export const NOTIFICATIONS_PAGE = 20;

/** What a notification shows: the list's rows, and what arrives live (`useLiveNotifications`), which puts it at the top of the list. */
export const NotificationItemFragment = graphql(`
  fragment NotificationItem on Notification {
    id
    kind
    read
    createdAt
    actor {
      id
      username
      displayName
    }
    post {
      id
      title
    }
  }
`);

export const NotificationsQuery = graphql(`
  query Notifications($first: Int!, $after: String) {
    notifications(first: $first, after: $after) {
      unreadCount
      edges {
        cursor
        node {
          ...NotificationItem
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const MarkNotificationsReadMutation = graphql(`
  mutation MarkNotificationsRead($ids: [ID!]!) {
    markNotificationsRead(ids: $ids)
  }
`);

export function Notifications() {
  const { data, error, loading, fetchMore } = useQuery(NotificationsQuery, { variables: { first: NOTIFICATIONS_PAGE } });
  const [markRead] = useMutation(MarkNotificationsReadMutation);
  const connection = data?.notifications;
  const unreadIds = connection?.edges.filter((edge) => !edge.node.read).map((edge) => edge.node.id) ?? [];
  const unreadKey = unreadIds.join(',');

  // What the viewer has seen is read: the list keeps its highlight until the next visit, the badge drops at once.
  useEffect(() => {
    if (unreadKey === '') return;
    const ids = unreadKey.split(',');
    void markRead({
      variables: { ids },
      update(cache, { data: marked }) {
        const changed = marked?.markNotificationsRead ?? 0;
        cache.modify<{ notifications: { unreadCount: number } }>({
          fields: {
            notifications: (existing, { isReference }) =>
              isReference(existing) ? existing : { ...existing, unreadCount: Math.max(0, existing.unreadCount - changed) },
          },
        });
      },
    }).catch(() => undefined);
  }, [unreadKey, markRead]);

  if (!connection) return loading ? <p role="status">Loading notifications…</p> : <p role="alert">{describeError(error)}</p>;
  return (
    <section data-testid="notifications">
      <h1>Notifications</h1>
      {connection.edges.length === 0 && <p className="notice">Nothing yet: likes and new followers show up here.</p>}
      <ul className="notifications">
        {connection.edges.map(({ node }) => (
          <li key={node.id} className={node.read ? 'notification' : 'notification unread'}>
            {node.actor ? <Link to={`/users/${encodeURIComponent(node.actor.id)}`}>{node.actor.displayName}</Link> : 'Someone'}{' '}
            {node.kind === 'FOLLOW' ? 'followed you' : <>liked {node.post ? <em>{node.post.title}</em> : 'your post'}</>}
            <time dateTime={node.createdAt}>{new Date(node.createdAt).toLocaleString()}</time>
          </li>
        ))}
      </ul>
      {connection.pageInfo.hasNextPage && (
        <button type="button" onClick={() => void fetchMore({ variables: { after: connection.pageInfo.endCursor } })}>
          Show older
        </button>
      )}
    </section>
  );
}
