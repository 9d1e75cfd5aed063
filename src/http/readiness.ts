import type { RedisConnection } from '../cache/redis.js';
import type { ServiceClients } from '../grpc/service-clients.js';
import type { RateLimits } from '../rate-limit/limiter.js';

/** Whether every part the gateway needs answers, naming those that do not. */
export interface ReadinessReport {
  ready: boolean;
  /**
   * Required parts that failed their check: service names (`users`), `redis` and
   * `rate-limits` when they are required, or `load` while the replica sheds for
   * event loop delay or heap.
   */
  failing: string[];
  /**
   * Optional parts that failed: the gateway still answers without them, more
   * slowly or with less protection (Redis, and the rate limits, while rate
   * limiting fails open). They do not make it unready,
   * or every replica would leave the load balancer at once over a shared cache.
   */
  degraded: string[];
}

/** A dependency check besides the service channels (Redis, when configured). */
export interface ReadinessCheck {
  /** Resolves true when healthy. */
  check: () => Promise<boolean>;
  /** Whether requests fail without it, so that the gateway is unready. */
  required: boolean;
}

/**
 * Checks every service channel, waiting at most `timeoutMs` for each to
 * connect, and runs `checks` (say `{ redis: { check: ping, required } }`) with the same
 * bound; a check that throws or runs out of time fails.
 */
export async function readiness(
  clients: ServiceClients,
  timeoutMs = 1_000,
  checks: Record<string, ReadinessCheck> = {},
): Promise<ReadinessReport> {
  const channels = Object.entries(clients).map(
    ([name, client]) =>
      new Promise<[string, boolean]>((resolve) => {
        client.raw.waitForReady(Date.now() + timeoutMs, (error) => resolve([name, !error]));
      }),
  );
  const others = Object.entries(checks).map(([name, { check }]) => withinTime(name, check, timeoutMs));
  const results = await Promise.all([...channels, ...others]);
  const failed = results.filter(([, ok]) => !ok).map(([name]) => name);
  const failing = failed.filter((name) => checks[name]?.required !== false);
  const degraded = failed.filter((name) => checks[name]?.required === false);
  return { ready: failing.length === 0, failing, degraded };
}

async function withinTime(name: string, check: () => Promise<boolean>, timeoutMs: number): Promise<[string, boolean]> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return [name, await Promise.race([check().catch(() => false), timedOut])];
  } finally {
    clearTimeout(timer);
  }
}

/** The key the write probe sets, under the gateway's key prefix; it expires by itself. */
export const WRITE_PROBE_KEY = 'readiness:write-probe';
const WRITE_PROBE_TTL_MS = 10_000;

/**
 * Whether Redis takes writes, not only answers: a Redis out of memory under
 * `noeviction` still answers PING but refuses every write, the rate limiter's
 * included. Under Cluster this probes the node that owns the probe key.
 */
export async function redisTakesWrites(redis: RedisConnection): Promise<boolean> {
  return (await redis.set(WRITE_PROBE_KEY, '1', 'PX', WRITE_PROBE_TTL_MS)) === 'OK';
}

/**
 * The checks of the state replicas share, for `readiness`: `redis` (takes a
 * write) and `rate-limits` (the limiter's store has not failed recently; see
 * `RateLimits.storeFailing`). They are required, so failing, only when rate
 * limiting fails closed, since requests are then refused without them;
 * otherwise they are reported as degraded. Nothing to check without Redis.
 */
export function sharedStateChecks(
  redis: RedisConnection | null,
  rateLimits: RateLimits,
  failMode: 'open' | 'closed',
): Record<string, ReadinessCheck> {
  if (!redis) return {};
  const required = failMode === 'closed';
  return {
    redis: { check: () => redisTakesWrites(redis), required },
    'rate-limits': { check: async () => !rateLimits.storeFailing(), required },
  };
}
