import type { Viewer } from '../auth/viewer.js';

/**
 * The token scope that lets a caller read `extensions.calls` in production.
 * Outside production every answer lists its calls; in production only a token
 * whose `scope` lists `debug` (`"read write debug"`) gets them, as the list
 * shows how the graph is served (services, methods, cache keys, timings).
 */
export const CALLS_SCOPE = 'debug';

/** How many calls one answer lists; the rest are only counted (`extensions.callsOmitted`). */
export const MAX_LISTED_CALLS = 200;

/** One RPC a request made, as `extensions.calls` lists it. */
export interface RpcCallEntry {
  /** The service called, `posts`. */
  service: string;
  /** The proto method, `BatchGetLikeStats`. */
  method: string;
  /** Keys (or pages) the batch carried; absent for a call that is not a batch (`ListFeed`, `Login`). */
  batch?: number;
  /** When the call started, in ms since the request's context was built. */
  at: number;
  /** How long it took, in ms: every attempt, the waits between them and for a slot included. */
  ms: number;
  /** Attempts sent: 1, more when it was retried, 0 when it was refused before any was sent (an open breaker, a spent budget). */
  attempts: number;
  /**
   * `OK`; the gRPC status name of a failed call (`UNAVAILABLE`, `NOT_FOUND`);
   * or, when no attempt answered at all, the gateway's code for why
   * (`SERVICE_UNAVAILABLE` for an open breaker, `EXECUTION_BUDGET_EXCEEDED`).
   */
  outcome: string;
}

/** One use of a cache shared by replicas, as `extensions.calls` lists it. */
export interface CacheEntry {
  /** Which cache: `profile`. */
  cache: 'profile';
  /** The id looked up or dropped, `usr_7`. */
  key: string;
  /** When, in ms since the request's context was built. */
  at: number;
  /**
   * `hit` (no RPC for it), `miss` (the RPCs listed after it filled it),
   * `error` (the store failed and the services answered), or `invalidate`
   * (a write dropped the entry on every replica).
   */
  result: 'hit' | 'miss' | 'error' | 'invalidate';
}

/** An entry of `extensions.calls`, in the order the calls started. */
export type CallEntry = RpcCallEntry | CacheEntry;

/**
 * What one request called upstream, for `extensions.calls`: every RPC (the
 * per-request service APIs record them) and every profile-cache lookup (the
 * profile source records them), in call order.
 *
 * A request whose answer will not list its calls gets {@link CallRecorder.off},
 * which records nothing: callers test `enabled` before reading a clock, so that
 * recording costs nothing when nobody will read it.
 */
export class CallRecorder {
  /** The recorder of a request whose answer lists no calls: it keeps nothing. */
  static readonly off = new CallRecorder(false);

  private readonly entries: CallEntry[] = [];
  private omittedCount = 0;
  private readonly startedAt: number;

  constructor(
    /** Whether calls are recorded at all. */
    readonly enabled: boolean,
    private readonly limit = MAX_LISTED_CALLS,
  ) {
    this.startedAt = enabled ? performance.now() : 0;
  }

  /** The recorder for a request by `viewer`: on outside production, in production only for a token with the `debug` scope. */
  static forRequest(production: boolean, viewer: Viewer | null): CallRecorder {
    return !production || viewer?.scopes.includes(CALLS_SCOPE) ? new CallRecorder(true) : CallRecorder.off;
  }

  /**
   * Records the start of an RPC and returns its entry, to pass to `finishRpc`
   * once it ends. Entries are listed in the order calls start; one still in
   * flight when the answer is sent shows `IN_FLIGHT`. Off, it records nothing
   * and returns undefined.
   */
  startRpc(service: string, method: string, batch: number | undefined): RpcCallEntry | undefined {
    if (!this.enabled) return undefined;
    const at = this.elapsed();
    // Keys in the order a reader scans them: what was called, then how it went.
    const entry: RpcCallEntry =
      batch === undefined
        ? { service, method, at, ms: 0, attempts: 0, outcome: 'IN_FLIGHT' }
        : { service, method, batch, at, ms: 0, attempts: 0, outcome: 'IN_FLIGHT' };
    this.add(entry);
    return entry;
  }

  /** Completes an entry `startRpc` returned: its duration, attempts and outcome. */
  finishRpc(entry: RpcCallEntry, attempts: number, outcome: string): void {
    entry.ms = Math.max(0, Math.round((this.elapsed() - entry.at) * 10) / 10);
    entry.attempts = attempts;
    entry.outcome = outcome;
  }

  /** Records a lookup in (or an invalidation of) a shared cache. */
  cacheEntry(cache: CacheEntry['cache'], key: string, result: CacheEntry['result']): void {
    if (!this.enabled) return;
    this.add({ cache, key, at: this.elapsed(), result });
  }

  /** The entries recorded, in the order they were recorded, at most `limit` of them. */
  get listed(): readonly CallEntry[] {
    return this.entries;
  }

  /** How many entries were recorded past `limit`, counted but not kept. */
  get omitted(): number {
    return this.omittedCount;
  }

  /** Milliseconds since the request started, to one decimal: finer is noise, and longer to read. */
  private elapsed(): number {
    return Math.round((performance.now() - this.startedAt) * 10) / 10;
  }

  private add(entry: CallEntry): void {
    // A runaway request (a resolver in a loop) must not grow its answer without bound.
    if (this.entries.length < this.limit) this.entries.push(entry);
    else this.omittedCount += 1;
  }
}
