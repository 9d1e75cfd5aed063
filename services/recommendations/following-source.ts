import type { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import type { UnaryApi } from '../common/client.js';

/** Who follows whom, as far as recommendations need to know. */
export interface FollowingSource {
  /**
   * The accounts each of `userIds` follows, most recent follow first, up to
   * the source's own cap per user. Every requested id has an entry: empty for
   * a user who follows nobody or does not exist.
   */
  following(userIds: readonly string[]): Promise<Map<string, readonly string[]>>;
}

export interface RelationsFollowingOptions {
  /** Most follows read per user; default 1,000. Beyond it the list is a recent sample. */
  maxPerUser?: number;
  /** Most users per BatchListFollowing call; default 100, the most the relations service accepts. */
  batchSize?: number;
  /** Deadline of each call to the relations service; default 2 s. */
  timeoutMs?: number;
}

interface PendingList {
  userId: string;
  pageToken: string;
}

/**
 * Reads following lists from the relations service with BatchListFollowing.
 * All users of a round go in one call per `batchSize` users, and a user whose
 * list spans several pages (the relations service caps its page size) is
 * read on in later rounds, so the number of calls follows the longest list,
 * not the number of users.
 */
export function relationsFollowingSource(
  relations: UnaryApi<RelationsServiceService>,
  { maxPerUser = 1_000, batchSize = 100, timeoutMs = 2_000 }: RelationsFollowingOptions = {},
): FollowingSource {
  return {
    async following(userIds) {
      const lists = new Map<string, string[]>();
      for (const userId of userIds) lists.set(userId, []);
      let pending: PendingList[] = [...lists.keys()].map((userId) => ({ userId, pageToken: '' }));

      while (pending.length > 0) {
        const batches = chunk(pending, batchSize);
        const deadline = Date.now() + timeoutMs;
        const responses = await Promise.all(
          batches.map((batch) =>
            relations.batchListFollowing(
              {
                requests: batch.map(({ userId, pageToken }) => ({
                  userId,
                  pageSize: maxPerUser - lists.get(userId)!.length,
                  pageToken,
                })),
              },
              { deadline },
            ),
          ),
        );

        const next: PendingList[] = [];
        batches.forEach((batch, b) => {
          const { pages } = responses[b]!;
          if (pages.length !== batch.length) {
            throw new Error(`relations returned ${pages.length} pages for ${batch.length} requests`);
          }
          batch.forEach(({ userId }, i) => {
            const page = pages[i]!;
            const list = lists.get(userId)!;
            list.push(...page.userIds.slice(0, maxPerUser - list.length));
            // An empty page that claims more would loop forever: stop there.
            const lastCursor = page.cursors.at(-1);
            if (page.hasNextPage && list.length < maxPerUser && page.userIds.length > 0 && lastCursor) {
              next.push({ userId, pageToken: lastCursor });
            }
          });
        });
        pending = next;
      }
      return lists;
    },
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
