import type { EventsOf } from '../common/events/outbox.js';
/** One user following another. */
export interface Follow {
  readonly followerId: string;
  readonly followeeId: string;
  readonly createdAt: Date;
  /**
   * Position in the order follows were stored, growing by one each time.
   * Lists sort on it rather than on `createdAt`, so a clock stepping back can
   * never reorder a list or break a cursor; seeded follows are stored in time
   * order, so both orders agree.
   */
  readonly sequence: number;
}

/** What a caller supplies to store a follow; the store assigns the sequence. */
export type NewFollow = Omit<Follow, 'sequence'>;

/** Follower and following counts of one user. */
export interface FollowCounts {
  followers: number;
  following: number;
}

export interface FollowListQuery {
  userId: string;
  /** Only follows stored before this sequence (older ones); null from the newest. */
  beforeSequence: number | null;
  limit: number;
}

export interface FollowPage {
  follows: Follow[];
  hasNextPage: boolean;
}

/**
 * Storage of the follow graph. It knows nothing of whether users exist:
 * that is the users service's concern, checked by the gateway.
 */
export interface RelationsRepository {
  /**
   * Stores the follow; false, changing nothing, when it already existed. The
   * events `events` makes of a new follow are recorded in its outbox in the
   * same step (the same transaction, in a database).
   */
  follow(followerId: string, followeeId: string, at: Date, events?: EventsOf<true>): Promise<boolean>;
  /** Removes the follow; false when there was none. Records the events of a removal as `follow` does. */
  unfollow(followerId: string, followeeId: string, events?: EventsOf<true>): Promise<boolean>;
  /** Counts for each of `userIds`, in order; zeros for a user with no follows. */
  countMany(userIds: readonly string[]): Promise<FollowCounts[]>;
  /** For each of `followeeIds`, in order, whether `followerId` follows it. */
  isFollowing(followerId: string, followeeIds: readonly string[]): Promise<boolean[]>;
  /** A page of the user's followers, newest follow first. */
  listFollowers(query: FollowListQuery): Promise<FollowPage>;
  /** A page of the accounts the user follows, newest follow first. */
  listFollowing(query: FollowListQuery): Promise<FollowPage>;
}
