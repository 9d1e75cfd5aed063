import { MAX_FEED_AUTHORS, MAX_FOLLOWING_PAGE_SIZE } from '../services/common/rules/index.js';
import type { GatewayContext } from '../src/context.js';

/** Page size used to read a whole following list: the largest the relations service allows. */
const FOLLOWING_PAGE_SIZE = MAX_FOLLOWING_PAGE_SIZE;

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
