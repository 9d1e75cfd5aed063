import type DataLoader from 'dataloader';
import type { LikeStats, Post, PostPage } from '../../generated/proto/pinstack/posts/v1/posts.js';
import type { Viewer } from '../auth/viewer.js';
import { InternalServerError } from '../errors.js';
import type { ServiceApis } from '../grpc/service-apis.js';
import { keyedLoader, pageLoader, type BatchSettings, type ItemBudget, type PageArgs, type PageKey } from './batching.js';
import { idempotencyFields, type IdempotencyKey } from './idempotency.js';
import type { InvalidateProfiles } from './profiles/invalidation.js';

/** A new post's fields, as `createPost` takes them. */
export interface NewPost {
  title: string;
  description: string;
  imageUrl: string;
}

/**
 * The posts service as one request sees it: posts, like counts and author
 * pages (batched), the feed, and the writes. Every write that changes a post
 * drops its author's cached profile, and what a write answers is primed, so
 * the payload's fields need no second RPC.
 */
export class PostsSource {
  /** Posts by id over `BatchGetPosts`. */
  private readonly postsById: DataLoader<string, Post | null>;
  /** Like counts and the viewer's like, by post id, over `BatchGetLikeStats`. */
  private readonly likeStatsByPostId: DataLoader<string, LikeStats | null>;
  /** Pages of an author's posts over `BatchListPostsByAuthor`. */
  private readonly postsByAuthor: DataLoader<PageKey, PostPage, string>;

  constructor(
    private readonly api: ServiceApis['posts'],
    private readonly viewer: Viewer | null,
    batching: BatchSettings,
    private readonly budget: ItemBudget,
    private readonly invalidateProfiles: InvalidateProfiles,
  ) {
    const postsById = keyedLoader(
      async (ids) => (await api.batchGetPosts({ ids }, { batch: ids.length })).posts,
      (post) => post.id,
      { name: 'postsById', ...batching },
    );
    this.postsById = postsById;
    this.likeStatsByPostId = keyedLoader(
      async (postIds) => (await api.batchGetLikeStats({ postIds, viewerId: viewer?.id ?? '' }, { batch: postIds.length })).stats,
      (stats) => stats.postId,
      { name: 'likeStatsByPostId', ...batching },
    );
    this.postsByAuthor = pageLoader(
      async (keys) => {
        const { pages } = await api.batchListPostsByAuthor(
          { requests: keys.map((key) => ({ authorId: key.id, pageSize: key.first, pageToken: key.after })) },
          { fields: { page_token: 'after', page_size: 'first' }, batch: keys.length },
        );
        // The pages carry whole posts: later `post(id)` reads need no second RPC.
        for (const page of pages) for (const post of page.posts) postsById.prime(post.id, post);
        return pages;
      },
      { name: 'postsByAuthor', ...batching },
    );
  }

  /** The post `id`, or null when there is none. */
  byId(id: string): Promise<Post | null> {
    return this.postsById.load(id);
  }

  /**
   * Like counts that came with something else (a cached profile's recent
   * posts): `likesCount` answers them without an RPC. Viewer-independent,
   * unlike the like stats the loader fetches, which say whether the viewer likes.
   */
  private readonly knownLikesCounts = new Map<string, number>();

  /** How many likes the post has; 0 when the service knows none. */
  async likesCount(postId: string): Promise<number> {
    const known = this.knownLikesCounts.get(postId);
    if (known !== undefined) return known;
    return (await this.likeStatsByPostId.load(postId))?.likesCount ?? 0;
  }

  /** Makes like counts known to `likesCount` for the rest of the request (they came with a cached profile). */
  primeLikesCounts(counts: Readonly<Record<string, number>>): void {
    for (const [postId, count] of Object.entries(counts)) this.knownLikesCounts.set(postId, count);
  }

  /** Whether the viewer likes the post; false for an anonymous request, without an RPC. */
  async likedByViewer(postId: string): Promise<boolean> {
    if (!this.viewer) return false;
    return (await this.likeStatsByPostId.load(postId))?.likedByViewer ?? false;
  }

  /** A page of `authorId`'s posts, newest first; same page asked twice in a request is fetched once. */
  byAuthor(authorId: string, page: PageArgs): Promise<PostPage> {
    return this.postsByAuthor.load({ id: authorId, first: page.first, after: page.after ?? '' });
  }

  /** Makes `posts` known to `byId` for the rest of the request (they came with something else, a cached profile). */
  prime(posts: readonly Post[]): void {
    for (const post of posts) this.postsById.prime(post.id, post);
  }

  /**
   * A page of the feed of posts by `authorIds`, newest first; an empty page,
   * without an RPC, when there are no authors.
   */
  async feed(authorIds: readonly string[], page: PageArgs): Promise<PostPage | undefined> {
    if (authorIds.length === 0) return undefined;
    // A page is paid for before it is fetched, like the loaders' batches.
    this.budget.spendItems(page.first);
    const reply = await this.api.listFeed(
      { authorIds: [...authorIds], pageSize: page.first, pageToken: page.after ?? '' },
      { fields: { page_token: 'after', page_size: 'first' } },
    );
    this.prime(reply.page?.posts ?? []);
    return reply.page;
  }

  /** Publishes a post by `authorId`; the author's cached profile is dropped, as it lists the newest posts. */
  async createPost(authorId: string, post: NewPost, idempotency: IdempotencyKey | null): Promise<Post> {
    const { request, fields } = idempotencyFields(idempotency);
    const reply = await this.api.createPost({ authorId, ...post, ...request }, { fieldPrefix: 'input.', fields });
    if (!reply.post) throw new InternalServerError('The posts service returned no post.');
    await this.invalidateProfiles([authorId]);
    this.postsById.prime(reply.post.id, reply.post);
    return reply.post;
  }

  /** Deletes post `id` as `actor` (its author, or an admin); its author's cached profile is dropped. */
  async deletePost(id: string, actor: Viewer): Promise<void> {
    const { post } = await this.api.deletePost({ id, actorId: actor.id, actorIsAdmin: actor.roles.includes('admin') });
    // The reply is the deleted post: an admin may have deleted another author's, whose profile listed it.
    await this.invalidateProfiles([post?.authorId ?? actor.id]);
    this.postsById.clear(id);
  }

  /** Likes the post as `userId`; answers the post, its new counts primed. */
  async likePost(postId: string, userId: string): Promise<Post> {
    return this.liked(await this.api.likePost({ postId, userId }));
  }

  /** Takes back `userId`'s like of the post; answers the post, its new counts primed. */
  async unlikePost(postId: string, userId: string): Promise<Post> {
    return this.liked(await this.api.unlikePost({ postId, userId }));
  }

  /** After a like or unlike: the author's cached profile is dropped, and the post and its counts as the reply has them are primed. */
  private async liked(reply: { post?: Post | undefined; stats?: LikeStats | undefined }): Promise<Post> {
    const { post, stats } = reply;
    if (!post) throw new InternalServerError('The posts service returned no post.');
    await this.invalidateProfiles([post.authorId]);
    this.knownLikesCounts.delete(post.id);
    if (stats) this.likeStatsByPostId.clear(post.id).prime(post.id, stats);
    this.postsById.clear(post.id).prime(post.id, post);
    return post;
  }
}
