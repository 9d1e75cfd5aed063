import { NetworkStatus } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { graphql } from '../../../generated/web';
import { describeError } from '../apollo/gateway-errors';
import { PostCard } from '../components/PostCard';

/** Posts per page of the feed. */
export const FEED_PAGE = 10;

const FeedQuery = graphql(`
  query Feed($first: Int!, $after: String) {
    feed(first: $first, after: $after) {
      edges {
        cursor
        node {
          ...PostCard
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** Posts of the accounts the viewer follows, newest first; the next page loads as the end comes into view. */
export function Feed() {
  const { data, error, networkStatus, fetchMore } = useQuery(FeedQuery, {
    variables: { first: FEED_PAGE },
    notifyOnNetworkStatusChange: true,
  });
  const end = useRef<HTMLDivElement>(null);
  const connection = data?.feed;
  const loadingMore = networkStatus === NetworkStatus.fetchMore;
  const nextCursor = connection?.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;

  useEffect(() => {
    const sentinel = end.current;
    if (!sentinel || !nextCursor || loadingMore) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          observer.disconnect();
          void fetchMore({ variables: { after: nextCursor } }).catch(() => undefined);
        }
      },
      { rootMargin: '200px' },
    );
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [nextCursor, loadingMore, fetchMore]);

  if (!connection) {
    return networkStatus === NetworkStatus.loading ? <p role="status">Loading your feed…</p> : <p role="alert">{describeError(error)}</p>;
  }
  // A post whose data could not be read is null in its edge: the others still show.
  const posts = connection.edges.flatMap((edge) => (edge.node ? [edge.node] : []));
  return (
    <section data-testid="feed" aria-label="Feed">
      {posts.length === 0 ? (
        <div className="notice">
          <h1>Your feed is empty</h1>
          <p>Find people to follow with the search above: their posts show up here.</p>
        </div>
      ) : (
        <div className="grid">
          {posts.map((post) => (
            <PostCard key={post.id} post={post} />
          ))}
        </div>
      )}
      {error && posts.length > 0 && <p className="notice">{describeError(error)}</p>}
      <div ref={end} className="feed-end" data-testid="feed-end">
        {loadingMore ? <span role="status">Loading more…</span> : !nextCursor && posts.length > 0 ? "You're all caught up." : null}
      </div>
    </section>
  );
}
