import type DataLoader from 'dataloader';
import type { User } from '../../generated/proto/pinstack/users/v1/users.js';
import { InternalServerError } from '../errors.js';
import type { ServiceApis } from '../grpc/service-apis.js';
import { keyedLoader, type BatchSettings, type ItemBudget } from './batching.js';
import type { InvalidateProfiles } from './profiles/invalidation.js';

/** What `updateProfile` may change; an absent field stays as it is. */
export interface ProfileChanges {
  displayName?: string;
  bio?: string;
  avatarUrl?: string;
}

/**
 * The users service as one request sees it: users by id (batched), search,
 * and profile edits, which drop the cached profile they change.
 */
export class UsersSource {
  /** Users by id over `BatchGetUsers`. */
  private readonly usersById: DataLoader<string, User | null>;

  constructor(
    private readonly api: ServiceApis['users'],
    batching: BatchSettings,
    private readonly budget: ItemBudget,
    private readonly invalidateProfiles: InvalidateProfiles,
  ) {
    this.usersById = keyedLoader(
      async (ids) => (await api.batchGetUsers({ ids }, { batch: ids.length })).users,
      (user) => user.id,
      { name: 'usersById', ...batching },
    );
  }

  /** The user `id`, or null when there is none. */
  byId(id: string): Promise<User | null> {
    return this.usersById.load(id);
  }

  /** The users `ids`, in order; null for each that is not there (or could not be read). */
  async byIds(ids: readonly string[]): Promise<(User | null)[]> {
    const users = await this.usersById.loadMany(ids);
    return users.map((user) => (user instanceof Error ? null : user));
  }

  /** Up to `first` users matching `query`; each is then known to `byId` without another RPC. */
  async search(query: string, first: number): Promise<User[]> {
    // A page is paid for before it is fetched, like the loaders' batches.
    this.budget.spendItems(first);
    const { users } = await this.api.searchUsers({ query, pageSize: first }, { fields: { page_size: 'first' } });
    for (const user of users) this.usersById.prime(user.id, user);
    return users;
  }

  /** Changes `userId`'s profile fields and answers the user as it now is; the cached profile is dropped. */
  async updateProfile(userId: string, changes: ProfileChanges): Promise<User> {
    const { user } = await this.api.updateProfile({ userId, ...changes }, { fieldPrefix: 'input.' });
    if (!user) throw new InternalServerError('The users service returned no user.');
    await this.invalidateProfiles([user.id]);
    this.usersById.clear(user.id).prime(user.id, user);
    return user;
  }
}
