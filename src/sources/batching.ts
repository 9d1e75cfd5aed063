import DataLoader from 'dataloader';
import { MAX_BATCH_IDS, MAX_BATCH_PAGES } from '../../platform/rules/index.js';
import { traceLoaderBatch } from '../telemetry/tracing.js';

// The batching helpers every source builds its loaders from: each loader is a
// DataLoader over one batch RPC, built per request (its cache never outlives
// the request nor crosses viewers), with batches no larger than a service
// takes, each traced, counted and paid for from the request's execution budget.

/** Largest batch sent in one RPC: as many ids as a service takes in one batch request. */
export const MAX_BATCH_SIZE = MAX_BATCH_IDS;

/** Largest number of pages asked for in one batched list RPC: as many as a service takes. */
export const MAX_PAGES_PER_BATCH = MAX_BATCH_PAGES;

/** What a request may still resolve in list items and batch keys (its execution budget, see src/demand-control). */
export interface ItemBudget {
  /** Pays for `count` items before they are fetched; throws when not enough are left. */
  spendItems(count: number): void;
}

/** Told of every batch a loader sends: its name and how many keys it carries. */
export type BatchObserver = (loader: string, size: number) => void;

/** What every loader of a request shares: where its batches are counted and what they are paid from. */
export interface BatchSettings {
  onBatch?: BatchObserver;
  /** The request's execution budget: a batch pays for its items before it is sent. */
  budget?: ItemBudget;
}

/** How a loader reports its batches: traced as `dataloader.batch <name>` and passed to `onBatch`. */
export interface LoaderObservation extends BatchSettings {
  /** The loader's name, as its source names it after what it loads and the batch RPC behind it (`usersById`). */
  name: string;
}

/**
 * Runs one batch of `size` keys, observed when the loader is named, after
 * paying `items` (its keys, or the most entries its pages may hold) from the budget.
 */
async function observe<T>(observation: LoaderObservation | undefined, size: number, run: () => Promise<T>, items = size): Promise<T> {
  if (!observation) return run();
  observation.budget?.spendItems(items);
  observation.onBatch?.(observation.name, size);
  return traceLoaderBatch(observation.name, size, run);
}

/**
 * A DataLoader over a batch RPC whose reply is an unordered list of found items:
 * each key gets its item, or null when the service did not return one (an
 * unknown id is absent, not an error).
 */
export function keyedLoader<V>(
  fetch: (ids: string[]) => Promise<readonly V[]>,
  keyOf: (item: V) => string,
  observation?: LoaderObservation,
): DataLoader<string, V | null> {
  return new DataLoader<string, V | null>(
    async (ids) => {
      const items = await observe(observation, ids.length, () => fetch([...ids]));
      const byKey = new Map(items.map((item) => [keyOf(item), item]));
      return ids.map((id) => byKey.get(id) ?? null);
    },
    { maxBatchSize: MAX_BATCH_SIZE },
  );
}

/** A DataLoader over a batch RPC that answers one value per key, in key order. */
export function orderedLoader<V>(fetch: (ids: string[]) => Promise<V[]>, observation?: LoaderObservation): DataLoader<string, V> {
  return new DataLoader<string, V>((ids) => observe(observation, ids.length, () => fetch([...ids])), { maxBatchSize: MAX_BATCH_SIZE });
}

/** A page of a list, as a connection's arguments ask for it. */
export interface PageArgs {
  first: number;
  /** The cursor to continue after; empty or absent for the first page. */
  after?: string | null;
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
export function pageLoader<P>(
  fetch: (keys: readonly PageKey[]) => Promise<readonly P[]>,
  observation?: LoaderObservation,
): DataLoader<PageKey, P, string> {
  return new DataLoader<PageKey, P, string>(
    async (keys) => {
      const entries = keys.reduce((sum, key) => sum + key.first, 0);
      const pages = await observe(observation, keys.length, () => fetch(keys), entries);
      if (pages.length !== keys.length) throw new Error(`expected ${keys.length} pages, got ${pages.length}`);
      return pages;
    },
    { maxBatchSize: MAX_PAGES_PER_BATCH, cacheKeyFn: (key) => `${key.id}\u0000${key.first}\u0000${key.after}` },
  );
}
