import { status as GrpcStatus, type Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type CircuitState,
  type IPolicy,
} from 'cockatiel';
import { SERVICE_NAMES, type ServiceName } from '../../platform/addresses.js';
import type { ResilienceSettings } from '../config/index.js';
import { isGrpcServiceError } from '../errors.js';

/**
 * The policies of one upstream service. The breaker and the bulkhead hold
 * state shared by every request, so they are created once per gateway.
 */
export interface ServicePolicy {
  readonly service: ServiceName;
  /** Opens after consecutive transient failures; while open, calls fail at once without reaching the service. */
  readonly breaker: CircuitBreakerPolicy;
  /** Caps the calls in flight to the service, so one slow service cannot hold every request. */
  readonly bulkhead: BulkheadPolicy;
  /**
   * For methods whose proto declares `idempotency_level = NO_SIDE_EFFECTS`
   * (see `mayRetry` in src/grpc/idempotency.ts): retry (outermost), then
   * breaker, then bulkhead.
   */
  readonly read: IPolicy;
  /** For every other method, IDEMPOTENT ones included: breaker, then bulkhead; never retried. */
  readonly write: IPolicy;
}

/** One policy set per service. */
export type ServicePolicies = { readonly [K in ServiceName]: ServicePolicy };

/**
 * Failures that say the service is unhealthy rather than that the request was
 * wrong: these count towards opening the breaker. CANCELLED is left out, as it
 * is the gateway that gave up on the call.
 */
export function isServiceFailure(error: unknown): error is ServiceError {
  return (
    isGrpcServiceError(error) &&
    (error.code === GrpcStatus.UNAVAILABLE ||
      error.code === GrpcStatus.DEADLINE_EXCEEDED ||
      error.code === GrpcStatus.RESOURCE_EXHAUSTED)
  );
}

/** Trailing metadata by which a server tells the client when it may retry (gRPC retry design, A6). */
export const RETRY_PUSHBACK_METADATA_KEY = 'grpc-retry-pushback-ms';

/**
 * Failures worth sending a read again for. UNAVAILABLE means the call was not
 * processed (connection refused or reset, server shutting down). RESOURCE_EXHAUSTED
 * is retried only when the server says so with `grpc-retry-pushback-ms`: without
 * it, an overloaded server would get more load exactly when it asked for less.
 * DEADLINE_EXCEEDED is not retried: the request's budget is spent.
 */
export function isRetryableFailure(error: unknown): boolean {
  if (!isGrpcServiceError(error)) return false;
  if (error.code === GrpcStatus.UNAVAILABLE) return true;
  return error.code === GrpcStatus.RESOURCE_EXHAUSTED && retryPushbackMs(error.metadata) !== undefined;
}

function retryPushbackMs(metadata: Metadata | undefined): number | undefined {
  const value = metadata?.get(RETRY_PUSHBACK_METADATA_KEY)[0];
  const ms = typeof value === 'string' ? Number(value) : NaN;
  // A negative or malformed pushback means "do not retry" (gRPC A6).
  return Number.isInteger(ms) && ms >= 0 ? ms : undefined;
}

/** Calls to report a breaker's state to, such as a gauge. */
export type BreakerStateListener = (service: ServiceName, state: CircuitState) => void;

/**
 * Creates the breaker, bulkhead and retry policy of every service from one set
 * of settings. Call once per gateway and pass the result to every request.
 */
export function createServicePolicies(settings: ResilienceSettings, onBreakerState?: BreakerStateListener): ServicePolicies {
  const policies = {} as Record<ServiceName, ServicePolicy>;
  for (const service of SERVICE_NAMES) {
    const breaker = circuitBreaker(handleWhen(isServiceFailure), {
      halfOpenAfter: settings.circuitHalfOpenAfterMs,
      breaker: new ConsecutiveBreaker(settings.circuitConsecutiveFailures),
    });
    breaker.onStateChange((state) => onBreakerState?.(service, state));
    onBreakerState?.(service, breaker.state);
    const limit = bulkhead(settings.bulkheadMaxConcurrent, settings.bulkheadMaxQueued);
    // ExponentialBackoff's default generator is decorrelated jitter, so clients
    // retrying after one outage do not arrive together.
    const retries = retry(handleWhen(isRetryableFailure), {
      maxAttempts: settings.retryMaxAttempts,
      backoff: new ExponentialBackoff({ initialDelay: settings.retryInitialDelayMs, maxDelay: settings.retryMaxDelayMs }),
    });
    policies[service] = {
      service,
      breaker,
      bulkhead: limit,
      // Retry outside the breaker: each attempt counts towards opening it, and
      // an open breaker ends the retries (BrokenCircuitError is not retried).
      // The bulkhead is innermost, so a call waiting out its backoff holds no slot.
      read: wrap(retries, breaker, limit),
      write: wrap(breaker, limit),
    };
  }
  return policies;
}

