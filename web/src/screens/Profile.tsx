import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { graphql } from '../../../generated/web';
import { describeError, errorAt, gatewayErrors } from '../apollo/gateway-errors';
import { useCurrentSession } from '../app-context';
import { PostCard } from '../components/PostCard';
import { Link } from '../router';

export const ProfileQuery = graphql(`
  query Profile($userId: ID!) {
    profile(userId: $userId) {
      user {
        id
        username
        displayName
        bio
        isFollowedByViewer
      }
      followersCount
      followingCount
      recentPosts {
        ...PostCard
      }
      recommendations {
        id
        username
        displayName
      }
    }
  }
`);

const FollowMutation = graphql(`
  mutation Follow($userId: ID!) {
    follow(userId: $userId) {
      id
      isFollowedByViewer
    }
  }
`);

const UnfollowMutation = graphql(`
  mutation Unfollow($userId: ID!) {
    unfollow(userId: $userId) {
      id
      isFollowedByViewer
    }
  }
`);

/** A count another service answers: a dash while it is unavailable. */
const count = (value: number | null) => (value === null ? '–' : value.toLocaleString());

export function Profile({ userId }: { userId: string }) {
  const session = useCurrentSession();
  const client = useApolloClient();
  const { data, error, loading } = useQuery(ProfileQuery, { variables: { userId } });
  const [follow] = useMutation(FollowMutation);
  const [unfollow] = useMutation(UnfollowMutation);
  const profile = data?.profile;

  if (!profile) return loading ? <p role="status">Loading profile…</p> : <p role="alert">{describeError(error)}</p>;
  const { user } = profile;
  const errors = gatewayErrors(error);
  const following = user.isFollowedByViewer === true;
  const ownProfile = session?.user.id === user.id;

  const toggleFollow = async () => {
    const delta = following ? -1 : 1;
    const options = {
      variables: { userId: user.id },
      // The button and the follower count change at once; a failure puts both back.
      update(cache: typeof client.cache) {
        cache.modify<{ followersCount: number | null }>({
          id: cache.identify({ __typename: 'Profile', user: { __typename: 'User', id: user.id } }),
          fields: { followersCount: (n) => (n === null ? n : Math.max(0, n + delta)) },
        });
      },
    };
    const optimistic = { __typename: 'User' as const, id: user.id, isFollowedByViewer: !following };
    const done = following
      ? unfollow({ ...options, optimisticResponse: { __typename: 'Mutation' as const, unfollow: optimistic } })
      : follow({ ...options, optimisticResponse: { __typename: 'Mutation' as const, follow: optimistic } });
    await done.catch(() => undefined);
    // The feed is made of followed accounts' posts: read it afresh next time.
    client.cache.evict({ id: 'ROOT_QUERY', fieldName: 'feed' });
    client.cache.gc();
  };

  return (
    <section data-testid="profile" aria-label={`Profile of ${user.displayName}`}>
      <header className="profile-header">
        <div className="avatar" aria-hidden="true">
          {user.displayName.slice(0, 1).toUpperCase()}
        </div>
        <div className="profile-info">
          <h1>{user.displayName}</h1>
          <p className="muted">@{user.username}</p>
          {user.bio && <p>{user.bio}</p>}
          <p className="stats">
            <span data-testid="followers-count">{count(profile.followersCount)}</span> followers ·{' '}
            <span>{count(profile.followingCount)}</span> following
          </p>
        </div>
        {!ownProfile && user.isFollowedByViewer !== null && (
          <button type="button" className={following ? 'secondary' : 'primary'} aria-pressed={following} onClick={() => void toggleFollow()}>
            {following ? 'Following' : 'Follow'}
          </button>
        )}
      </header>

      <h2>Recent posts</h2>
      {profile.recentPosts === null ? (
        <p className="notice">Posts are unavailable right now.</p>
      ) : profile.recentPosts.length === 0 ? (
        <p className="notice">No posts yet.</p>
      ) : (
        <div className="grid">
          {profile.recentPosts.map((post) => (
            <PostCard key={post.id} post={post} />
          ))}
        </div>
      )}

      <h2>People to follow</h2>
      {errorAt(errors, 'profile', 'recommendations') ? (
        <p className="notice">Suggestions are unavailable right now.</p>
      ) : (
        <ul className="people">
          {profile.recommendations.map((person) => (
            <li key={person.id}>
              <Link to={`/users/${encodeURIComponent(person.id)}`}>{person.displayName}</Link> <span className="muted">@{person.username}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
