import type { Post } from '../generated/proto/pinstack/posts/v1/posts.js';
import type { User } from '../generated/proto/pinstack/users/v1/users.js';

/**
 * What `Query.profile` hands to the `Profile` resolvers: the viewer-independent
 * part of a profile, whole, as the profile cache stores it. Users here carry no
 * e-mail (it is owner-only and never cached). A part that could not be read is
 * the error to report at its field; a profile with one is not cached.
 */
export interface ProfileModel {
  user: User;
  recentPosts: Post[] | Error;
  followStats: { followersCount: number; followingCount: number } | Error;
  recommendations: User[] | Error;
}

/** An edge of a user list: relations answers ids, `node` loads the user. */
export interface UserEdgeModel {
  cursor: string;
  userId: string;
}
