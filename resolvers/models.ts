import type { User } from '../generated/proto/pinstack/users/v1/users.js';

/** What `Query.profile` hands to the `Profile` resolvers: the user, already loaded. */
export interface ProfileModel {
  user: User;
}

/** An edge of a user list: relations answers ids, `node` loads the user. */
export interface UserEdgeModel {
  cursor: string;
  userId: string;
}
