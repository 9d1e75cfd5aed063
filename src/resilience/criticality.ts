import type { ServiceName } from '../../platform/addresses.js';
import { GatewayError } from '../errors.js';
import type { DegradedErrors } from '../http/degraded-errors.js';

/**
 * How much a field depends on its service. A `critical` service's failure nulls
 * the fields it answers (they are nullable) with SERVICE_UNAVAILABLE and the
 * rest of the answer arrives. A `non-critical` service's failure is replaced by
 * a fallback value, with the error reported beside the data.
 */
export type Criticality = 'critical' | 'non-critical';

/** Which services the product cannot show a page without, in one place. */
export const SERVICE_CRITICALITY = {
  users: 'critical',
  auth: 'critical',
  posts: 'critical',
  relations: 'critical',
  notifications: 'critical',
  // Recommendations decorate a profile; the profile is worth showing without them.
  recommendations: 'non-critical',
} as const satisfies Record<ServiceName, Criticality>;

/** The services whose failures degrade to a fallback instead of failing their field. */
export type NonCriticalService = {
  [K in ServiceName]: (typeof SERVICE_CRITICALITY)[K] extends 'non-critical' ? K : never;
}[ServiceName];

/**
 * What a field backed by a non-critical service answers when that service
 * failed: `fallback`, with `error` reported at `path` in the response's
 * `errors`. Errors that are not gateway errors (bugs) are thrown, so they are
 * reported as such and not hidden behind a fallback.
 */
export function degradeNonCritical<T>(
  service: NonCriticalService,
  error: Error,
  fallback: T,
  degraded: DegradedErrors,
  path: ReadonlyArray<string | number>,
): T {
  if (SERVICE_CRITICALITY[service] !== 'non-critical' || !(error instanceof GatewayError)) throw error;
  degraded.report(error, path);
  return fallback;
}
