import { UsersServiceService, type User } from '../../generated/proto/pinstack/users/v1/users.js';
import { createEvent } from '../../platform/events/index.js';
import { alreadyExists, notFound } from '../common/errors.js';
import { requireActor } from '../common/caller.js';
import { pageSize } from '../common/pagination.js';
import { bindService, type ServiceBinding } from '../common/server.js';
import { batchIds, requireId } from '../common/validation.js';
import type { ProfileChanges, UserRecord, UsersRepository } from './repository.js';
import { checkAvatarUrl, checkBio, checkDisplayName, checkEmail, checkSearchQuery, checkUsername } from './validation.js';

export interface UsersServiceDeps {
  repository: UsersRepository;
  /** The clock that stamps `created_at`; tests pass a fixed one. */
  now?: () => Date;
}

/** The UsersService handlers over `deps.repository`. */
export function createUsersService(deps: UsersServiceDeps): ServiceBinding {
  const { repository } = deps;
  const now = deps.now ?? (() => new Date());

  return bindService(UsersServiceService, {
    async batchGetUsers({ ids }) {
      // Unknown ids are absent rather than an error: the caller asked "which of these exist".
      const users = await repository.getMany(batchIds(ids, 'ids'));
      return { users: users.map(toProto) };
    },

    async createUser(request) {
      const username = checkUsername(request.username);
      const email = checkEmail(request.email);
      const displayName = checkDisplayName(request.displayName);
      const result = await repository.create({ username, email, displayName, bio: '', avatarUrl: '', createdAt: now() });
      if (!result.ok) throw alreadyExists(result.conflict, `${result.conflict} is already taken`);
      return { user: toProto(result.user) };
    },

    async updateProfile(request, call) {
      const userId = requireId(request.userId, 'user_id');
      requireActor(call, userId, { field: 'user_id' });
      // Every field is checked before anything is written, so a bad field changes nothing.
      const changes: ProfileChanges = {};
      if (request.displayName !== undefined) changes.displayName = checkDisplayName(request.displayName);
      if (request.bio !== undefined) changes.bio = checkBio(request.bio);
      if (request.avatarUrl !== undefined) changes.avatarUrl = checkAvatarUrl(request.avatarUrl);
      const user = await repository.updateProfile(userId, changes, (changed) => [
        createEvent({ type: 'profile.updated', actor: userId, subject: userId, payload: { userId, changed } }),
      ]);
      if (!user) throw notFound(`user ${userId} not found`);
      return { user: toProto(user) };
    },

    async searchUsers(request) {
      const query = checkSearchQuery(request.query);
      const users = await repository.search(query, pageSize(request.pageSize));
      return { users: users.map(toProto) };
    },
  });
}

/** Field by field, so a field added to storage is never sent by accident. */
function toProto(user: UserRecord): User {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    bio: user.bio,
    avatarUrl: user.avatarUrl,
    email: user.email,
    createdAt: user.createdAt,
  };
}
