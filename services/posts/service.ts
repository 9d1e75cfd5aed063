import {
  PostsServiceService,
  type LikeStats,
  type Post,
  type PostPage,
} from '../../generated/proto/pinstack/posts/v1/posts.js';
import { invalidArgument, notFound, permissionDenied } from '../common/errors.js';
import { validateIdempotencyKey } from '../common/idempotency.js';
import { requireActor } from '../common/caller.js';
import { pageSize } from '../common/pagination.js';
import { bindService, type ServiceBinding } from '../common/server.js';
import { positionFromToken, postCursor } from './cursors.js';
import { createEvent } from '../../platform/events/index.js';
import type { PostRecord, PostRepository } from './repository.js';
import { MAX_AUTHOR_PAGES, MAX_FEED_AUTHORS, batchIds, requireId, validateNewPost } from './validation.js';

export interface PostsServiceDeps {
  repository: PostRepository;
  /** The clock that stamps new posts, in epoch milliseconds. */
  now?: () => number;
}

/**
 * The posts service: posts, author listings, the merged feed, and likes.
 * Every listing is newest first with the id as tie-break (see
 * `compareNewestFirst`), and every page carries one cursor per post.
 */
export function createPostsService({ repository, now = Date.now }: PostsServiceDeps): ServiceBinding {
  async function setLike(rawPostId: string, rawUserId: string, liked: boolean): Promise<{ post: Post; stats: LikeStats }> {
    const postId = requireId(rawPostId, 'post_id');
    const userId = requireId(rawUserId, 'user_id');
    // Only a like that changed is news (post.liked or post.unliked): liking twice says nothing twice.
    // Likes of one's own posts are events too; whether they notify is the notifications service's call.
    const change = await repository.setLike(postId, userId, liked, ({ post }) => [
      createEvent({ type: liked ? 'post.liked' : 'post.unliked', actor: userId, subject: postId, payload: { postId, authorId: post.authorId, likerId: userId } }),
    ]);
    if (!change) throw notFound(`post ${postId} not found`);
    return {
      post: toPost(change.post),
      stats: { postId, likesCount: change.likesCount, likedByViewer: liked },
    };
  }

  return bindService(PostsServiceService, {
    async batchGetPosts({ ids }) {
      const posts = await repository.getMany(batchIds(ids, 'ids'));
      return { posts: posts.map(toPost) };
    },

    async batchGetLikeStats({ postIds, viewerId }) {
      const stats = await repository.likeCounts(batchIds(postIds, 'post_ids'), viewerId);
      return { stats: stats.map((entry) => ({ ...entry })) };
    },

    async batchListPostsByAuthor({ requests }) {
      if (requests.length > MAX_AUTHOR_PAGES) {
        throw invalidArgument('requests', `requests may hold at most ${MAX_AUTHOR_PAGES} entries, got ${requests.length}`);
      }
      // Every entry is checked before any is read, so a bad entry fails the call as a whole.
      const queries = requests.map((request, i) => ({
        authorId: requireId(request.authorId, `requests[${i}].author_id`),
        size: pageSize(request.pageSize, { field: `requests[${i}].page_size` }),
        after: positionFromToken(request.pageToken, `requests[${i}].page_token`),
      }));
      const pages = await Promise.all(
        queries.map(async ({ authorId, size, after }) => toPage(await repository.listByAuthor(authorId, after, size + 1), size)),
      );
      return { pages };
    },

    async listFeed({ authorIds, pageSize: requested, pageToken }) {
      if (authorIds.length > MAX_FEED_AUTHORS) {
        throw invalidArgument('author_ids', `author_ids may name at most ${MAX_FEED_AUTHORS} authors, got ${authorIds.length}`);
      }
      const size = pageSize(requested);
      const after = positionFromToken(pageToken);
      const posts = await repository.listByAuthors(authorIds, after, size + 1);
      return { page: toPage(posts, size) };
    },

    async createPost(request, call) {
      requireActor(call, request.authorId, { field: 'author_id' });
      const fields = validateNewPost(request);
      const key = validateIdempotencyKey(request.idempotencyKey ?? '');
      const { post, created } = await repository.create({ ...fields, createdAt: now() }, key, (record) => [
        createEvent({ type: 'post.created', actor: record.authorId, subject: record.id, payload: { postId: record.id, authorId: record.authorId }, at: new Date(record.createdAt) }),
      ]);
      // A repeat must ask for the same post: a key reused for another one is a client bug,
      // and answering with the first post would hide that the second was never created.
      if (!created && (post.title !== fields.title || post.description !== fields.description || post.imageUrl !== fields.imageUrl)) {
        throw invalidArgument('idempotency_key', 'idempotency_key was already used for a different post');
      }
      return { post: toPost(post) };
    },

    async deletePost(request, call) {
      const id = requireId(request.id, 'id');
      const actorId = requireId(request.actorId, 'actor_id');
      const { actorIsAdmin } = request;
      // With a verified caller, admin rights come from its roles, not from the request.
      const caller = requireActor(call, actorId, { field: 'actor_id' });
      const isAdmin = caller ? caller.roles.includes('admin') : actorIsAdmin;
      const post = await repository.get(id);
      if (!post) throw notFound(`post ${id} not found`);
      if (post.authorId !== actorId && !isAdmin) {
        throw permissionDenied('only the author of a post or an admin may delete it');
      }
      // A concurrent delete may have won since the read: the post is gone either way.
      const deleted = await repository.delete(id, (record) => [
        createEvent({ type: 'post.deleted', actor: actorId, subject: record.id, payload: { postId: record.id, authorId: record.authorId } }),
      ]);
      if (!deleted) throw notFound(`post ${id} not found`);
      return { post: toPost(deleted) };
    },

    likePost: ({ postId, userId }, call) => {
      requireActor(call, userId, { field: 'user_id' });
      return setLike(postId, userId, true);
    },

    unlikePost: ({ postId, userId }, call) => {
      requireActor(call, userId, { field: 'user_id' });
      return setLike(postId, userId, false);
    },
  });
}

function toPost(record: PostRecord): Post {
  return {
    id: record.id,
    authorId: record.authorId,
    title: record.title,
    description: record.description,
    imageUrl: record.imageUrl,
    createdAt: new Date(record.createdAt),
  };
}

/** A page of at most `size` posts from a read of `size + 1`: the extra post only says there is more. */
function toPage(posts: readonly PostRecord[], size: number): PostPage {
  const page = posts.slice(0, size);
  return { posts: page.map(toPost), cursors: page.map(postCursor), hasNextPage: posts.length > size };
}
