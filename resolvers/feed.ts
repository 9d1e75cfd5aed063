import type { GatewayContext } from '../src/context.js';

/** Page size used to read a whole following list; the relations service allows up to 1,000. */
const FOLLOWING_PAGE_SIZE = 1_000;
/** A feed merges at most this many authors (the most recently followed). */
const MAX_FEED_AUTHORS = 5_000;

/**
 * The ids of every account `userId` follows, read through the request's
 * `followingOf` loader one large page at a time.
 */
export async function followedAuthorIds(context: GatewayContext, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let after = '';
  for (;;) {
    const page = await context.loaders.followingOf.load({ id: userId, first: FOLLOWING_PAGE_SIZE, after });
    ids.push(...page.userIds);
    const next = page.cursors.at(-1);
    if (!page.hasNextPage || !next || ids.length >= MAX_FEED_AUTHORS) return ids.slice(0, MAX_FEED_AUTHORS);
    after = next;
  }
}
