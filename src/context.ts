import type { Viewer } from './auth/viewer.js';
import type { DegradedErrors } from './http/degraded-errors.js';
import type { ServiceApis } from './grpc/service-apis.js';
import type { Loaders } from './loaders/index.js';
import type { CacheAside } from './cache/cache-aside.js';
import type { RequestLimits } from './rate-limit/middleware.js';
import type { CostPayer, ExecutionBudget } from './demand-control/index.js';
import type { ProfileModel } from '../resolvers/models.js';

/** Per-request state every resolver receives; built for each request by `createRequestContext` (src/request-context.ts). */
export interface GatewayContext {
  /** The verified caller; null for an anonymous request. */
  viewer: Viewer | null;
  /**
   * Accounts that proved who they are during this request (register, login):
   * they may see their own owner-only fields in the payload, though the request
   * itself carried no token.
   */
  signedIn: Set<string>;
  /** Per-request DataLoaders: every cross-service read goes through one. */
  loaders: Loaders;
  /** Upstream services, with this request's deadline and error mapping applied. */
  services: ServiceApis;
  /**
   * Errors of fields that degraded instead of failing (say, recommendations
   * answered with an empty list); they are added to the response's `errors`.
   */
  degraded: DegradedErrors;
  /** Profiles shared by every viewer and replica; writes through the gateway invalidate them. */
  profiles: CacheAside<ProfileModel>;
  /**
   * The request's `Idempotency-Key` header, or null: creating mutations pass it
   * to their service, so a repeated request creates nothing new.
   */
  idempotencyKey: string | null;
  /** Limits resolvers apply themselves (login attempts). */
  limits: RequestLimits;
  /** What this request may still spend on RPCs and list items; every service call and loader batch pays from it. */
  budget: ExecutionBudget;
  /** Who pays for this request's cost: the viewer, or the client's address when anonymous. */
  payer: CostPayer;
}
