import { MemoryOutbox, type EventsOf, type Outbox } from '../common/events/outbox.js';
import { FollowList } from './follow-list.js';
import type {
  Follow,
  FollowCounts,
  FollowListQuery,
  FollowPage,
  NewFollow,
  RelationsRepository,
} from './repository.js';

/**
 * The follow graph in memory: each follow once, by follower then followee, and
 * in two ordered lists, the followee's followers and the follower's following,
 * so counts are lengths and pages are binary searches.
 */
export class MemoryRelationsRepository implements RelationsRepository {
  /** follower id → followee id → follow. */
  readonly #edges = new Map<string, Map<string, Follow>>();
  readonly #followers = new Map<string, FollowList>();
  readonly #following = new Map<string, FollowList>();
  #lastSequence = 0;
  readonly #outbox: Outbox;

  /**
   * Starts with `initial`, stored oldest first so sequences follow time; a
   * repeated follow is kept once. Writes record their events in `outbox`.
   */
  constructor(initial: readonly NewFollow[] = [], { outbox = new MemoryOutbox() }: { outbox?: Outbox } = {}) {
    this.#outbox = outbox;
    const byTime = [...initial].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    for (const { followerId, followeeId, createdAt } of byTime) this.#add(followerId, followeeId, createdAt);
  }

  // Each write checks, changes and records its events without awaiting in
  // between: in one process that is as atomic as a transaction.
  async follow(followerId: string, followeeId: string, at: Date, events?: EventsOf<true>): Promise<boolean> {
    this.#outbox.ensureRoom();
    const created = this.#add(followerId, followeeId, at);
    if (created && events) this.#outbox.add(events(true));
    return created;
  }

  async unfollow(followerId: string, followeeId: string, events?: EventsOf<true>): Promise<boolean> {
    this.#outbox.ensureRoom();
    const edges = this.#edges.get(followerId);
    const follow = edges?.get(followeeId);
    if (!edges || !follow) return false;
    if (events) this.#outbox.add(events(true));
    edges.delete(followeeId);
    if (edges.size === 0) this.#edges.delete(followerId);
    removeFrom(this.#following, followerId, follow.sequence);
    removeFrom(this.#followers, followeeId, follow.sequence);
    return true;
  }

  async countMany(userIds: readonly string[]): Promise<FollowCounts[]> {
    return userIds.map((userId) => ({
      followers: this.#followers.get(userId)?.size ?? 0,
      following: this.#following.get(userId)?.size ?? 0,
    }));
  }

  async isFollowing(followerId: string, followeeIds: readonly string[]): Promise<boolean[]> {
    const edges = this.#edges.get(followerId);
    return followeeIds.map((followeeId) => edges?.has(followeeId) ?? false);
  }

  async listFollowers({ userId, beforeSequence, limit }: FollowListQuery): Promise<FollowPage> {
    return this.#followers.get(userId)?.page(beforeSequence, limit) ?? { follows: [], hasNextPage: false };
  }

  async listFollowing({ userId, beforeSequence, limit }: FollowListQuery): Promise<FollowPage> {
    return this.#following.get(userId)?.page(beforeSequence, limit) ?? { follows: [], hasNextPage: false };
  }

  #add(followerId: string, followeeId: string, createdAt: Date): boolean {
    let edges = this.#edges.get(followerId);
    if (edges?.has(followeeId)) return false;
    if (!edges) {
      edges = new Map();
      this.#edges.set(followerId, edges);
    }
    const follow: Follow = { followerId, followeeId, createdAt: new Date(createdAt), sequence: ++this.#lastSequence };
    edges.set(followeeId, follow);
    listOf(this.#following, followerId).add(follow);
    listOf(this.#followers, followeeId).add(follow);
    return true;
  }
}

function listOf(lists: Map<string, FollowList>, userId: string): FollowList {
  let list = lists.get(userId);
  if (!list) {
    list = new FollowList();
    lists.set(userId, list);
  }
  return list;
}

function removeFrom(lists: Map<string, FollowList>, userId: string, sequence: number): void {
  const list = lists.get(userId);
  list?.remove(sequence);
  if (list?.size === 0) lists.delete(userId);
}
