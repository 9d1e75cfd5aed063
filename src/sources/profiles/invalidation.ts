/**
 * The hook every source's write calls, itself, once a write that changes what
 * a profile shows has succeeded: it drops the cached profiles of `userIds` on
 * every replica at once (they share the store). Resolvers never call it.
 *
 * | write | profiles dropped | because the profile shows |
 * | --- | --- | --- |
 * | `updateProfile` | the user | display name, bio, avatar |
 * | `follow`, `unfollow` | both users | follower and following counts |
 * | `createPost`, `deletePost` | the post's author | recent posts |
 * | `likePost`, `unlikePost` | the post's author | its posts (their like counts are read fresh, but an entry never outlives a change to its posts) |
 *
 * The other writes change nothing a profile shows: `register` creates an
 * account no profile of which can be cached yet (an unknown id is NOT_FOUND,
 * never cached); `login`, `refreshToken` and `logout` change tokens;
 * `markNotificationsRead` changes notifications. test/gateway/profile-invalidation.test.ts
 * walks the schema's mutations and holds every one to this table.
 */
export type InvalidateProfiles = (userIds: readonly string[]) => Promise<void>;
