/**
 * Accounts to suggest to `userId`: those followed by the accounts it follows
 * ("friends of friends"), most shared first, then by id so the order is
 * total. The user and the accounts it already follows are never suggested.
 *
 * A user who follows nobody gets no suggestions: ranking "most followed
 * overall" would need a view of the whole graph that the relations API does
 * not offer cheaply, and a guess from partial data would differ from call to
 * call. Clients show their own onboarding suggestions in that case.
 */
export function rankFriendsOfFriends(
  userId: string,
  following: readonly string[],
  followingOf: (userId: string) => readonly string[],
  limit: number,
): string[] {
  const followed = new Set(following);
  const shared = new Map<string, number>();
  for (const followee of followed) {
    for (const candidate of followingOf(followee)) {
      if (candidate === userId || followed.has(candidate)) continue;
      shared.set(candidate, (shared.get(candidate) ?? 0) + 1);
    }
  }
  return [...shared]
    .sort(([a, sharedA], [b, sharedB]) => sharedB - sharedA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([candidate]) => candidate);
}
