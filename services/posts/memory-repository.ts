import { MemoryOutbox, type EventsOf, type Outbox } from '../common/events/outbox.js';
import { DEFAULT_IDEMPOTENCY_KEY_TTL_MS, ExpiringKeys } from '../common/idempotency.js';
import { newId } from '../common/ids.js';
import { indexAfter, mergeNewestFirst } from './merge.js';
import {
  compareNewestFirst,
  type CreatedPost,
  type LikeChange,
  type LikeCount,
  type NewPost,
  type PostPosition,
  type PostRecord,
  type PostRepository,
} from './repository.js';
import type { PostSeed } from '../common/seed/posts.js';

export { DEFAULT_IDEMPOTENCY_KEY_TTL_MS };

export interface MemoryPostRepositoryOptions {
  /** How long after its first use an idempotency key still answers with its post (ms). */
  idempotencyKeyTtlMs?: number;
  /** The clock keys are aged by (ms since the epoch). */
  now?: () => number;
  /** Where writes record their events; one of its own by default. */
  outbox?: Outbox;
}

/**
 * Posts and likes held in process memory, indexed for the service's queries:
 * by id, by author (each author's posts kept sorted newest first, so listings
 * and the feed merge never sort), and likes as one set of user ids per post.
 */
export class MemoryPostRepository implements PostRepository {
  readonly #posts = new Map<string, PostRecord>();
  readonly #byAuthor = new Map<string, PostRecord[]>();
  readonly #likes = new Map<string, Set<string>>();
  /**
   * Posts by author and idempotency key, each kept for the key's lifetime; a
   * deleted post's key still answers with it until then.
   */
  readonly #byIdempotencyKey: ExpiringKeys<PostRecord>;
  readonly #now: () => number;
  readonly #outbox: Outbox;

  // Each write checks, changes and records its events without awaiting in
  // between: in one process that is as atomic as a transaction.
  constructor(seed: PostSeed = { posts: [], likes: [] }, options: MemoryPostRepositoryOptions = {}) {
    this.#outbox = options.outbox ?? new MemoryOutbox();
    this.#byIdempotencyKey = new ExpiringKeys(options.idempotencyKeyTtlMs ?? DEFAULT_IDEMPOTENCY_KEY_TTL_MS);
    this.#now = options.now ?? Date.now;
    for (const post of seed.posts) {
      this.#posts.set(post.id, post);
      const list = this.#byAuthor.get(post.authorId);
      if (list) list.push(post);
      else this.#byAuthor.set(post.authorId, [post]);
    }
    // Sorting each author's list once here is what keeps every later read sort-free.
    for (const list of this.#byAuthor.values()) list.sort(compareNewestFirst);
    for (const [postId, userId] of seed.likes) {
      if (this.#posts.has(postId)) this.#likers(postId).add(userId);
    }
  }

  async getMany(ids: readonly string[]): Promise<PostRecord[]> {
    const found: PostRecord[] = [];
    for (const id of ids) {
      const post = this.#posts.get(id);
      if (post) found.push(post);
    }
    return found;
  }

  async get(id: string): Promise<PostRecord | undefined> {
    return this.#posts.get(id);
  }

  async listByAuthor(authorId: string, after: PostPosition | null, limit: number): Promise<PostRecord[]> {
    const list = this.#byAuthor.get(authorId) ?? [];
    const start = after ? indexAfter(list, after) : 0;
    return list.slice(start, start + limit);
  }

  async listByAuthors(authorIds: readonly string[], after: PostPosition | null, limit: number): Promise<PostRecord[]> {
    const runs = [];
    for (const authorId of new Set(authorIds)) {
      const posts = this.#byAuthor.get(authorId);
      if (!posts) continue;
      runs.push({ posts, next: after ? indexAfter(posts, after) : 0 });
    }
    return mergeNewestFirst(runs, limit);
  }

  async create(post: NewPost, idempotencyKey?: string, events?: EventsOf<PostRecord>): Promise<CreatedPost> {
    this.#outbox.ensureRoom();
    // Keys are the author's own: one author's key never answers with another's post.
    const keyed = idempotencyKey ? `${post.authorId}\u0000${idempotencyKey}` : undefined;
    const now = this.#now();
    // Every create prunes, with a key or without, so the store never outgrows one lifetime of keys.
    this.#byIdempotencyKey.dropExpired(now);
    const earlier = keyed === undefined ? undefined : this.#byIdempotencyKey.get(keyed, now);
    if (earlier) return { post: earlier, created: false };
    // Random and time-ordered (`newId`): never a seeded `pst_<n>`, never an id
    // given out before a restart, and no hint of how many posts there are.
    const record: PostRecord = { id: newId('pst', post.createdAt), ...post };
    if (keyed !== undefined) this.#byIdempotencyKey.set(keyed, record, now);
    this.#posts.set(record.id, record);
    const list = this.#byAuthor.get(record.authorId);
    if (list) list.splice(indexAfter(list, record), 0, record);
    else this.#byAuthor.set(record.authorId, [record]);
    if (events) this.#outbox.add(events(record));
    return { post: record, created: true };
  }

  async delete(id: string, events?: EventsOf<PostRecord>): Promise<PostRecord | undefined> {
    this.#outbox.ensureRoom();
    const post = this.#posts.get(id);
    if (!post) return undefined;
    if (events) this.#outbox.add(events(post));
    this.#posts.delete(id);
    this.#likes.delete(id);
    const list = this.#byAuthor.get(post.authorId)!;
    // The post compares equal to itself, so it sits just before the first post after it.
    list.splice(indexAfter(list, post) - 1, 1);
    if (list.length === 0) this.#byAuthor.delete(post.authorId);
    return post;
  }

  async setLike(postId: string, userId: string, liked: boolean, events?: EventsOf<LikeChange>): Promise<LikeChange | undefined> {
    this.#outbox.ensureRoom();
    const post = this.#posts.get(postId);
    if (!post) return undefined;
    let changed: boolean;
    if (liked) {
      const likers = this.#likers(postId);
      changed = !likers.has(userId);
      likers.add(userId);
    } else {
      changed = this.#likes.get(postId)?.delete(userId) ?? false;
    }
    const change: LikeChange = { post, changed, likesCount: this.#likes.get(postId)?.size ?? 0 };
    if (changed && events) this.#outbox.add(events(change));
    return change;
  }

  async likeCounts(postIds: readonly string[], viewerId: string): Promise<LikeCount[]> {
    const counts: LikeCount[] = [];
    for (const postId of postIds) {
      if (!this.#posts.has(postId)) continue;
      const likers = this.#likes.get(postId);
      counts.push({
        postId,
        likesCount: likers?.size ?? 0,
        likedByViewer: viewerId !== '' && (likers?.has(viewerId) ?? false),
      });
    }
    return counts;
  }

  /** How many idempotency keys are held now, expired ones not yet dropped included. */
  get idempotencyKeyCount(): number {
    return this.#byIdempotencyKey.size;
  }


  /** The likers of a post, created on first like so unliked posts cost no set. */
  #likers(postId: string): Set<string> {
    let likers = this.#likes.get(postId);
    if (!likers) {
      likers = new Set();
      this.#likes.set(postId, likers);
    }
    return likers;
  }
}
