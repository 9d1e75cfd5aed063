import type { Viewer } from './auth/viewer.js';
import type { DegradedErrors } from './http/degraded-errors.js';
import type { RequestLimits } from './rate-limit/middleware.js';
import type { CostPayer, ExecutionBudget } from './demand-control/index.js';
import type { Sources } from './sources/index.js';
import type { CallRecorder } from './telemetry/calls.js';

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
  /**
   * One data source per service (and the profiles read through them), built
   * for this request: every read and write goes through one, batched, with
   * this request's deadlines and error mapping, and every write drops the
   * cached profiles it changes.
   */
  sources: Sources;
  /**
   * Errors of fields that degraded instead of failing (say, recommendations
   * answered with an empty list); they are added to the response's `errors`.
   */
  degraded: DegradedErrors;
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
  /**
   * The request's calls (RPCs, profile-cache lookups), listed in the answer's
   * `extensions.calls`: recorded outside production, and in production only
   * for a token with the `debug` scope; otherwise off and recording nothing.
   */
  calls: CallRecorder;
}
