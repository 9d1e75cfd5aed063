import { MemoryOutbox, type EventsOf, type Outbox } from '../common/events/outbox.js';
import { newId } from '../common/ids.js';
import { PrefixIndex } from './prefix-index.js';
import {
  SearchRank,
  type ChangedProfileField,
  type CreateUserResult,
  type NewUser,
  type ProfileChanges,
  type UserRecord,
  type UsersRepository,
} from './repository.js';

/**
 * Users held in memory, with the indexes the RPCs need: by id, by lower-case
 * username and e-mail for uniqueness, and prefix indexes for search.
 */
export class MemoryUsersRepository implements UsersRepository {
  readonly #byId = new Map<string, UserRecord>();
  readonly #idByUsername = new Map<string, string>();
  readonly #idByEmail = new Map<string, string>();
  readonly #usernames = new PrefixIndex();
  /**
   * One key per word of each display name: the name from that word on. A
   * prefix of a key is then a prefix of a word, and a query of several words
   * ("ada love") still finds "Ada Lovelace".
   */
  readonly #displayNameWords = new PrefixIndex();
  readonly #outbox: Outbox;

  /**
   * `initial` users keep their ids. Users created later get a random,
   * time-ordered id (`newId`), never one of these nor one given out before a
   * restart. Profile updates record their events in `outbox`.
   */
  constructor(initial: Iterable<UserRecord> = [], { outbox = new MemoryOutbox() }: { outbox?: Outbox } = {}) {
    this.#outbox = outbox;
    for (const user of initial) {
      if (this.#idByUsername.has(user.username.toLowerCase()) || this.#idByEmail.has(user.email) || this.#byId.has(user.id)) {
        throw new Error(`duplicate seeded user ${user.id}`);
      }
      this.#insert({ ...user });
    }
  }

  async getMany(ids: readonly string[]): Promise<UserRecord[]> {
    const found = new Map<string, UserRecord>();
    for (const id of ids) {
      const user = this.#byId.get(id);
      if (user) found.set(id, copy(user));
    }
    return [...found.values()];
  }

  async create(user: NewUser): Promise<CreateUserResult> {
    // Both checks and the insert run without an await between them, so they are atomic.
    if (this.#idByUsername.has(user.username.toLowerCase())) return { ok: false, conflict: 'username' };
    if (this.#idByEmail.has(user.email.toLowerCase())) return { ok: false, conflict: 'email' };
    const record: UserRecord = { ...user, email: user.email.toLowerCase(), id: newId('usr', user.createdAt.getTime()) };
    this.#insert(record);
    return { ok: true, user: copy(record) };
  }

  async updateProfile(id: string, changes: ProfileChanges, events?: EventsOf<ChangedProfileField[]>): Promise<UserRecord | undefined> {
    this.#outbox.ensureRoom();
    const user = this.#byId.get(id);
    if (!user) return undefined;
    // Checked, changed and recorded without an await between: as atomic as a transaction.
    const changed: ChangedProfileField[] = [];
    if (changes.displayName !== undefined && changes.displayName !== user.displayName) {
      for (const key of displayNameKeys(user.displayName)) this.#displayNameWords.remove(key, id);
      user.displayName = changes.displayName;
      for (const key of displayNameKeys(user.displayName)) this.#displayNameWords.add(key, id);
      changed.push('displayName');
    }
    if (changes.bio !== undefined && changes.bio !== user.bio) {
      user.bio = changes.bio;
      changed.push('bio');
    }
    if (changes.avatarUrl !== undefined && changes.avatarUrl !== user.avatarUrl) {
      user.avatarUrl = changes.avatarUrl;
      changed.push('avatarUrl');
    }
    if (changed.length > 0 && events) this.#outbox.add(events(changed));
    return copy(user);
  }

  async search(query: string, limit: number): Promise<UserRecord[]> {
    const key = searchKey(query);
    if (key === '' || limit <= 0) return [];
    const ranks = new Map<string, SearchRank>();
    for (const entry of this.#usernames.withPrefix(key)) {
      ranks.set(entry.id, entry.key === key ? SearchRank.ExactUsername : SearchRank.UsernamePrefix);
    }
    for (const entry of this.#displayNameWords.withPrefix(key)) {
      if (!ranks.has(entry.id)) ranks.set(entry.id, SearchRank.DisplayNameWord);
    }
    return [...ranks]
      .sort(([idA, rankA], [idB, rankB]) => rankA - rankB || compareUserIds(idA, idB))
      .slice(0, limit)
      .map(([id]) => copy(this.#byId.get(id)!));
  }

  #insert(user: UserRecord): void {
    this.#byId.set(user.id, user);
    this.#idByUsername.set(user.username.toLowerCase(), user.id);
    this.#idByEmail.set(user.email, user.id);
    this.#usernames.add(user.username.toLowerCase(), user.id);
    for (const key of displayNameKeys(user.displayName)) this.#displayNameWords.add(key, user.id);
  }
}

/**
 * Orders users by when their ids were given out: seeded ids by their number
 * (`usr_9` before `usr_10`), then ids made at run time, which sort as strings
 * by creation time (see `newId`).
 */
export function compareUserIds(a: string, b: string): number {
  return userNumber(a) - userNumber(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function userNumber(id: string): number {
  const match = /^usr_(\d+)$/.exec(id);
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}

/** Lower case with runs of white space made one space, so keys and queries compare as strings. */
function searchKey(text: string): string {
  return text.trim().toLowerCase().split(/\s+/u).join(' ');
}

function displayNameKeys(displayName: string): string[] {
  const words = searchKey(displayName).split(' ').filter(Boolean);
  return words.map((_, at) => words.slice(at).join(' '));
}

function copy(user: UserRecord): UserRecord {
  return { ...user, createdAt: new Date(user.createdAt) };
}
