import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimit, RateLimitSettings } from '../config/index.js';
import type { RedisConnection } from '../cache/redis.js';
import type { SharedStateMetrics } from '../cache/metrics.js';
import type { Logger } from '../telemetry/logger.js';

/** The classes of client a limit applies to. */
export type LimitClass = 'anonymous' | 'signedIn' | 'login';

/** What a limit check decided. */
export type LimitDecision =
  | { outcome: 'allowed' }
  | { outcome: 'limited'; retryAfterSeconds: number }
  /** The store could not be asked and the gateway fails closed. */
  | { outcome: 'unavailable'; retryAfterSeconds: number };

/**
 * The gateway's rate limits, one fixed window per class and client key. With
 * Redis the count is one atomic script per request (rate-limiter-flexible's
 * INCR-with-expiry), so the limit holds in total across every replica; without
 * it each process counts alone.
 */
export class RateLimits {
  private readonly limiters: Partial<Record<LimitClass, RateLimiterAbstract>> = {};

  constructor(
    private readonly settings: RateLimitSettings,
    redis: RedisConnection | null,
    private readonly metrics: SharedStateMetrics,
    private readonly logger: Logger,
  ) {
    const classes: [LimitClass, RateLimit][] = [
      ['anonymous', settings.anonymous],
      ['signedIn', settings.signedIn],
      ['login', settings.login],
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

  /** Counts one request of `key` (a viewer id or a client IP) against its class's limit. */
  async consume(limitClass: LimitClass, key: string): Promise<LimitDecision> {
    const limiter = this.limiters[limitClass];
    if (!limiter) return { outcome: 'allowed' };
    try {
      await limiter.consume(key);
      return { outcome: 'allowed' };
    } catch (rejection) {
      // rate-limiter-flexible rejects with a RateLimiterRes when the limit is
      // reached, and with an Error when its store failed.
      if (rejection instanceof RateLimiterRes) {
        this.metrics.rateLimitRejections.inc({ class: limitClass });
        return { outcome: 'limited', retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
      const failOpen = this.settings.failMode === 'open';
      this.metrics.rateLimitErrors.inc({ class: limitClass, outcome: failOpen ? 'allowed' : 'refused' });
      this.logger.debug({ limit: limitClass, err: (rejection as Error).message }, 'rate-limit store failed');
      return failOpen ? { outcome: 'allowed' } : { outcome: 'unavailable', retryAfterSeconds: 1 };
    }
  }
}
