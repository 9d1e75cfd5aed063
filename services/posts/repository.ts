import type { EventsOf } from '../common/events/outbox.js';
import type { SeededPost } from '../common/seed/posts.js';

/**
 * Storage contract of the posts service: posts and the likes on them. The
 * service speaks only to this interface, so the in-memory store can give way
 * to a database without touching a handler.
 */

/** A stored post: the shape the seeded demo world is made of (services/common/seed/posts.ts). */
export type PostRecord = SeededPost;

/** What a caller supplies to create a post; the store assigns the id. */
export type NewPost = Omit<PostRecord, 'id'>;

/**
 * A place in the newest-first order of posts, as carried by a cursor. Pages
 * continue strictly after it.
 */
export interface PostPosition {
  readonly createdAt: number;
  readonly id: string;
}

/** Like count of one post, and whether the viewer is among the likers. */
export interface LikeCount {
  readonly postId: string;
  readonly likesCount: number;
  readonly likedByViewer: boolean;
}

/** Outcome of setting or clearing a like. */
export interface LikeChange {
  readonly post: PostRecord;
  /** False when the like was already in the requested state. */
  readonly changed: boolean;
  readonly likesCount: number;
}

/** The outcome of `create`: the post, and whether this call created it. */
export interface CreatedPost {
  readonly post: PostRecord;
  readonly created: boolean;
}

export interface PostRepository {
  /** The posts that exist among `ids`, in the order of `ids`. */
  getMany(ids: readonly string[]): Promise<PostRecord[]>;
  get(id: string): Promise<PostRecord | undefined>;
  /** Up to `limit` posts of `authorId`, newest first, strictly after `after`. */
  listByAuthor(authorId: string, after: PostPosition | null, limit: number): Promise<PostRecord[]>;
  /** Up to `limit` posts by any of `authorIds`, newest first, strictly after `after`. */
  listByAuthors(authorIds: readonly string[], after: PostPosition | null, limit: number): Promise<PostRecord[]>;
  /**
   * Creates `post`. With an `idempotencyKey` the author used before, and that
   * has not expired yet, creates nothing and returns the post that key created
   * (`created: false`). The check and the insert are one step, so concurrent
   * calls with one key create one post. The events `events` makes of a post
   * it creates are recorded in its outbox in the same step (the same
   * transaction, in a database); a repeat records none.
   */
  create(post: NewPost, idempotencyKey?: string, events?: EventsOf<PostRecord>): Promise<CreatedPost>;
  /** Removes a post with its likes; returns it, or undefined when there was none. Records the removal's events as `create` does. */
  delete(id: string, events?: EventsOf<PostRecord>): Promise<PostRecord | undefined>;
  /**
   * Sets (`liked`) or clears `userId`'s like of `postId` in one step, so that a
   * concurrent delete cannot leave a like on a missing post. Undefined when the
   * post does not exist. Records the events of a like that changed as `create` does.
   */
  setLike(postId: string, userId: string, liked: boolean, events?: EventsOf<LikeChange>): Promise<LikeChange | undefined>;
  /** One entry per post among `postIds` that exists, in the order of `postIds`. */
  likeCounts(postIds: readonly string[], viewerId: string): Promise<LikeCount[]>;
}

/**
 * The order of every post listing: newest first, and among posts created in
 * the same millisecond the greater id first, so that the order is total and a
 * cursor never skips or repeats a post. Ids only break ties: they are not in
 * creation order within a millisecond (run-time ids are random there, see
 * `newId`), nor across seeded and run-time ids. Negative when `a` comes first.
 */
export function compareNewestFirst(a: PostPosition, b: PostPosition): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  if (a.id === b.id) return 0;
  return a.id > b.id ? -1 : 1;
}
