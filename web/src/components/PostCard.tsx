import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { graphql } from '../../../generated/web';
import type { PostCardFragment } from '../../../generated/web/graphql';
import { Link } from '../router';

export const PostCardFragmentDoc = graphql(`
  fragment PostCard on Post {
    id
    title
    description
    imageUrl
    createdAt
    likesCount
    likedByViewer
    author {
      id
      username
      displayName
    }
  }
`);

const LikePostMutation = graphql(`
  mutation LikePost($postId: ID!) {
    likePost(postId: $postId) {
      id
      likesCount
      likedByViewer
    }
  }
`);

const UnlikePostMutation = graphql(`
  mutation UnlikePost($postId: ID!) {
    unlikePost(postId: $postId) {
      id
      likesCount
      likedByViewer
    }
  }
`);

/** A stable hue per post, so a pin whose image cannot load still has a colour of its own. */
function hueOf(id: string): number {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 360;
}

/** One pin: image, title, author and its like button (answered at once, corrected by the gateway's reply). */
export function PostCard({ post }: { post: PostCardFragment }) {
  const [imageFailed, setImageFailed] = useState(false);
  const [like] = useMutation(LikePostMutation);
  const [unlike] = useMutation(UnlikePostMutation);
  const liked = post.likedByViewer === true;
  const hue = hueOf(post.id);

  const toggle = () => {
    const likesCount = post.likesCount === null ? null : Math.max(0, post.likesCount + (liked ? -1 : 1));
    const optimistic = { __typename: 'Post' as const, id: post.id, likesCount, likedByViewer: !liked };
    const options = { variables: { postId: post.id } };
    // A failure rolls the optimistic answer back; the button shows the truth again.
    void (liked
      ? unlike({ ...options, optimisticResponse: { __typename: 'Mutation', unlikePost: optimistic } })
      : like({ ...options, optimisticResponse: { __typename: 'Mutation', likePost: optimistic } })
    ).catch(() => undefined);
  };

  return (
    <article className="pin" data-testid="post" aria-label={post.title}>
      <div className="pin-image" style={{ background: `linear-gradient(135deg, hsl(${hue} 70% 78%), hsl(${(hue + 40) % 360} 65% 62%))` }}>
        {!imageFailed && <img src={post.imageUrl} alt="" loading="lazy" onError={() => setImageFailed(true)} />}
      </div>
      <div className="pin-body">
        <h3>{post.title}</h3>
        {post.description && <p className="pin-description">{post.description}</p>}
        <div className="pin-footer">
          <Link to={`/users/${encodeURIComponent(post.author.id)}`} className="pin-author">
            {post.author.displayName}
          </Link>
          <button
            type="button"
            className={liked ? 'like liked' : 'like'}
            aria-pressed={liked}
            aria-label={liked ? `Unlike ${post.title}` : `Like ${post.title}`}
            data-testid="like-button"
            onClick={toggle}
            disabled={post.likedByViewer === null}
          >
            <span aria-hidden="true">{liked ? '♥' : '♡'}</span>{' '}
            <span data-testid="likes-count">{post.likesCount ?? '–'}</span>
          </button>
        </div>
      </div>
    </article>
  );
}
