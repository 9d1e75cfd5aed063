import DataLoader from 'dataloader';

/** Largest batch sent in one RPC; services cap their batch requests at 500 ids. */
export const MAX_BATCH_SIZE = 500;

/**
 * A DataLoader over a batch RPC whose reply is an unordered list of found items:
 * each key gets its item, or null when the service did not return one (an
 * unknown id is absent, not an error).
 */
export function keyedLoader<V>(
  fetch: (ids: string[]) => Promise<readonly V[]>,
  keyOf: (item: V) => string,
): DataLoader<string, V | null> {
  return new DataLoader<string, V | null>(
    async (ids) => {
      const items = await fetch([...ids]);
      const byKey = new Map(items.map((item) => [keyOf(item), item]));
      return ids.map((id) => byKey.get(id) ?? null);
    },
    { maxBatchSize: MAX_BATCH_SIZE },
  );
}

/** A DataLoader over a batch RPC that answers one value per key, in key order. */
export function orderedLoader<V>(fetch: (ids: string[]) => Promise<V[]>): DataLoader<string, V> {
  return new DataLoader<string, V>((ids) => fetch([...ids]), { maxBatchSize: MAX_BATCH_SIZE });
}

/** One page request of a batched list RPC. */
export interface PageKey {
  id: string;
  first: number;
  after: string;
}

/**
 * A DataLoader over a batched list RPC that answers one page per request entry,
 * in request order. Keys are compared by value, so the same page asked for by
 * two fields is fetched once.
 */
export function pageLoader<P>(fetch: (keys: readonly PageKey[]) => Promise<readonly P[]>): DataLoader<PageKey, P, string> {
  return new DataLoader<PageKey, P, string>(
    async (keys) => {
      const pages = await fetch(keys);
      if (pages.length !== keys.length) throw new Error(`expected ${keys.length} pages, got ${pages.length}`);
      return pages;
    },
    { maxBatchSize: MAX_BATCH_SIZE, cacheKeyFn: (key) => `${key.id}\u0000${key.first}\u0000${key.after}` },
  );
}
