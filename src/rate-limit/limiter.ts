import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimit, RateLimitSettings } from '../config/index.js';
import type { RedisConnection } from '../cache/redis.js';
import type { SharedStateMetrics } from '../cache/metrics.js';
import type { Logger } from '../telemetry/logger.js';

/** The classes of client a limit applies to. */
export type LimitClass = 'anonymous' | 'signedIn' | 'signedInPerIp' | 'login' | 'register' | 'refresh' | 'costAnonymous' | 'costSignedIn';

/** Where a client stands in its window, for `RateLimit-*` headers. */
export interface LimitUsage {
  /** Points per window. */
  limit: number;
  /** Points left in this window. */
  remaining: number;
  /** Seconds until the window starts again. */
  resetSeconds: number;
  /** The window's length in seconds. */
  windowSeconds: number;
}

/** What a limit check decided. */
export type LimitDecision =
  | { outcome: 'allowed'; usage?: LimitUsage }
  | { outcome: 'limited'; retryAfterSeconds: number; usage?: LimitUsage }
  /** The store could not be asked and the gateway fails closed. */
  | { outcome: 'unavailable'; retryAfterSeconds: number };

/**
 * How long readiness remembers a failure of the limit store: about one probe
 * period, so a probe sees a failure that came between two probes; and no more,
 * so a replica failing closed (unready, hence sent no traffic that could
 * succeed) turns ready again by itself.
 */
export const STORE_FAILURE_MEMORY_MS = 10_000;

/**
 * The gateway's rate limits, one fixed window per class and client key. With
 * Redis the count is one atomic script per request (rate-limiter-flexible's
 * INCR-with-expiry), so the limit holds in total across every replica; without
 * it each process counts alone.
 */
export class RateLimits {
  private readonly limiters: Partial<Record<LimitClass, RateLimiterAbstract>> = {};
  /** Whether the store failed the last check it was asked, and when it last failed one (by `now`). */
  private storeFailedLast = false;
  private lastStoreFailureAt = -Infinity;

  constructor(
    private readonly settings: RateLimitSettings,
    redis: RedisConnection | null,
    private readonly metrics: SharedStateMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    const classes: [LimitClass, RateLimit][] = [
      ['anonymous', settings.anonymous],
      ['signedIn', settings.signedIn],
      ['signedInPerIp', settings.signedInPerIp],
      ['login', settings.login],
      ['register', settings.register],
      ['refresh', settings.refresh],
      ['costAnonymous', settings.costAnonymous],
      ['costSignedIn', settings.costSignedIn],
    ];
    for (const [name, limit] of classes) {
      if (limit.points === 0) continue;
      const options = { keyPrefix: `ratelimit:${name}`, points: limit.points, duration: limit.durationSeconds };
      this.limiters[name] = redis
        ? // Fail fast while disconnected instead of waiting on a command timeout.
          new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true })
        : new RateLimiterMemory(options);
    }
  }

  /** Counts `points` (one request, or an operation's cost) of `key` (a viewer id or a client IP) against its class's limit. */
  async consume(limitClass: LimitClass, key: string, points = 1): Promise<LimitDecision> {
    const limiter = this.limiters[limitClass];
    if (!limiter) return { outcome: 'allowed' };
    try {
      const spent = await limiter.consume(key, points);
      this.storeFailedLast = false;
      return { outcome: 'allowed', usage: usage(limiter, spent) };
    } catch (rejection) {
      // rate-limiter-flexible rejects with a RateLimiterRes when the limit is
      // reached, and with an Error when its store failed.
      if (rejection instanceof RateLimiterRes) {
        this.storeFailedLast = false;
        this.metrics.rateLimitRejections.inc({ class: limitClass });
        return { outcome: 'limited', retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), usage: usage(limiter, rejection) };
      }
      this.storeFailedLast = true;
      this.lastStoreFailureAt = this.now();
      const failOpen = this.settings.failMode === 'open';
      this.metrics.rateLimitErrors.inc({ class: limitClass, outcome: failOpen ? 'allowed' : 'refused' });
      this.logger.debug({ limit: limitClass, err: (rejection as Error).message }, 'rate-limit store failed');
      return failOpen ? { outcome: 'allowed' } : { outcome: 'unavailable', retryAfterSeconds: 1 };
    }
  }

  /**
   * Whether the limit store failed a check within `STORE_FAILURE_MEMORY_MS`
   * and has answered none since: limits are then not enforced (fail open) or
   * every request is refused (fail closed), which readiness reports. A Redis
   * that answers PING but refuses writes (full, under `noeviction`) shows here.
   */
  storeFailing(): boolean {
    return this.storeFailedLast && this.now() - this.lastStoreFailureAt < STORE_FAILURE_MEMORY_MS;
  }
}

function usage(limiter: RateLimiterAbstract, result: RateLimiterRes): LimitUsage {
  return {
    limit: limiter.points,
    remaining: Math.max(0, result.remainingPoints),
    resetSeconds: Math.max(0, Math.ceil(result.msBeforeNext / 1000)),
    windowSeconds: limiter.duration,
  };
}
