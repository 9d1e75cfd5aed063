import type { EventsOf } from '../common/events/outbox.js';
import type { SeededUser } from '../common/seed/users.js';

/**
 * A stored user profile: the shape the seeded demo world is made of
 * (services/common/seed/users.ts), so seeded and created users are stored alike.
 */
export type UserRecord = SeededUser;

/** What `create` needs; the repository assigns the id. */
export type NewUser = Omit<UserRecord, 'id'>;

/** The profile fields `updateProfile` may change; an absent field is left as it is. */
export interface ProfileChanges {
  displayName?: string;
  bio?: string;
  avatarUrl?: string;
}

/** The outcome of `create`: the new user, or the unique field that was already taken. */
/** A profile field an update changed. */
export type ChangedProfileField = keyof ProfileChanges;

export type CreateUserResult = { ok: true; user: UserRecord } | { ok: false; conflict: 'username' | 'email' };

/** How well a user matched a search; lower is better. */
export const SearchRank = {
  ExactUsername: 0,
  UsernamePrefix: 1,
  DisplayNameWord: 2,
} as const;

export type SearchRank = (typeof SearchRank)[keyof typeof SearchRank];

/**
 * Storage of user profiles. Usernames and e-mail addresses are unique without
 * regard to case, and the repository enforces it atomically in `create`, so two
 * concurrent sign-ups cannot both take the same name.
 */
export interface UsersRepository {
  /** The users among `ids` that exist, in the order of `ids`, each once. */
  getMany(ids: readonly string[]): Promise<UserRecord[]>;
  create(user: NewUser): Promise<CreateUserResult>;
  /**
   * The updated user, or `undefined` when there is no user `id`. The events
   * `events` makes of the fields that really changed (none: no events) are
   * recorded in its outbox in the same step (the same transaction, in a database).
   */
  updateProfile(id: string, changes: ProfileChanges, events?: EventsOf<ChangedProfileField[]>): Promise<UserRecord | undefined>;
  /**
   * Up to `limit` users whose username starts with `query`, or whose display
   * name has a word from which it starts with `query` (case-insensitive), best
   * rank first and, within a rank, in id order.
   */
  search(query: string, limit: number): Promise<UserRecord[]>;
}
