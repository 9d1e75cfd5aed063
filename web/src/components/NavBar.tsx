import { useMutation, useQuery } from '@apollo/client/react';
import { graphql } from '../../../generated/web';
import type { PinstackContext } from '../apollo/links';
import { useCurrentSession, useSessionStore } from '../app-context';
import { useLiveNotifications } from '../live-notifications';
import { Link, navigate, usePath } from '../router';
import { NOTIFICATIONS_PAGE, NotificationsQuery } from '../screens/Notifications';
import { UserSearch } from './UserSearch';

const LogoutMutation = graphql(`
  mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`);

export function NavBar() {
  const path = usePath();
  const store = useSessionStore();
  const session = useCurrentSession();
  const [logout] = useMutation(LogoutMutation, { context: { anonymous: true } satisfies PinstackContext });
  // The same query as the notifications screen, so the badge and the list agree; kept current live, not polled.
  const { data } = useQuery(NotificationsQuery, { variables: { first: NOTIFICATIONS_PAGE } });
  useLiveNotifications();
  const unread = data?.notifications.unreadCount ?? 0;

  const signOut = async () => {
    const refreshToken = session?.refreshToken;
    store.set(null);
    navigate('/signin');
    // Revokes the refresh token's session; the access token simply expires.
    if (refreshToken) await logout({ variables: { refreshToken } }).catch(() => undefined);
  };

  const current = (to: string) => (path === to ? 'page' : undefined);
  return (
    <header className="nav">
      <Link to="/" className="brand">
        Pinstack
      </Link>
      <UserSearch />
      <nav aria-label="Main">
        <Link to="/" aria-current={current('/')}>
          Feed
        </Link>
        <Link to="/new" aria-current={current('/new')}>
          New post
        </Link>
        <Link to="/notifications" aria-current={current('/notifications')} data-testid="notifications-link">
          Notifications
          {unread > 0 && (
            <span className="badge" data-testid="unread-badge" aria-label={`${unread} unread`}>
              {unread > 99 ? '99+' : unread}
            </span>
          )}
        </Link>
        {session && (
          <Link to={`/users/${encodeURIComponent(session.user.id)}`} aria-current={current(`/users/${session.user.id}`)}>
            @{session.user.username}
          </Link>
        )}
        <button type="button" className="link-button" onClick={() => void signOut()}>
          Sign out
        </button>
      </nav>
    </header>
  );
}
