import type { Post } from '../../../generated/proto/pinstack/posts/v1/posts.js';
import type { User } from '../../../generated/proto/pinstack/users/v1/users.js';
import type { FollowCounts } from '../relations.js';

/**
 * A part of a profile that is read from its own service and may fail alone:
 * its value, or the error to report at its own field while the rest of the
 * profile is served.
 */
export type ProfilePart<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

/**
 * What `Query.profile` hands to the `Profile` resolvers: the viewer-independent
 * part of a profile, whole, as the profile cache stores it. Users here carry no
 * e-mail (it is owner-only and never cached). A profile with a failed part is
 * served but never cached.
 */
export interface ProfileModel {
  user: User;
  recentPosts: ProfilePart<Post[]>;
  /**
   * How many likes each recent post has, by post id: counts change with every
   * like, but every like and unlike drops its author's profile, so a cached
   * count is never staler than the rest of the profile.
   */
  recentLikesCounts: ProfilePart<Record<string, number>>;
  followStats: ProfilePart<FollowCounts>;
  recommendations: ProfilePart<User[]>;
}

/** The value of a part, or its error thrown: the field it backs then fails alone. */
export function partValue<T>(part: ProfilePart<T>): T {
  if (!part.ok) throw part.error;
  return part.value;
}

/** Waits for a part of a profile; a failure becomes the part's error rather than failing the whole profile. */
export function settlePart<T>(promise: Promise<T>): Promise<ProfilePart<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
  );
}
