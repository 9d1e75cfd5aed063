import { GraphQLError } from 'graphql';
import { GatewayErrorCode } from './codes.js';

/** Extra, client-safe details of an error: the offending input field, the service that failed. */
export interface GatewayErrorDetails {
  /** The input field at fault, as a dotted path of the GraphQL arguments (`input.email`). */
  field?: string;
  /** The upstream service involved, for SERVICE_UNAVAILABLE. */
  service?: string;
  /** Seconds after which a retry may succeed, for RATE_LIMITED and SERVICE_UNAVAILABLE. */
  retryAfter?: number;
  /** The limit that refused the request (`depth`, `aliases`, `cost`, `rpcs`, ...). */
  limit?: string;
  /** The limit's value. */
  max?: number;
  /** What the request came to, where it is known (the estimated cost, the depth found). */
  found?: number;
}

/**
 * Base of every error the gateway raises on purpose. Its message and details are
 * meant for clients; `cause` is kept for logs and never sent in production.
 */
export class GatewayError extends GraphQLError {
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, details: GatewayErrorDetails = {}, cause?: unknown) {
    super(message, {
      extensions: { code, ...withoutUndefined(details) },
      originalError: cause instanceof Error ? cause : undefined,
    });
    this.name = 'GatewayError';
    this.code = code;
  }
}

/** A malformed request, refused before it is read as GraphQL; `status` is its HTTP status. */
export class BadRequestError extends GatewayError {
  constructor(message: string, status = 400) {
    super(GatewayErrorCode.BadRequest, message);
    this.name = 'BadRequestError';
    this.extensions.http = { status, headers: new Map<string, string>() };
  }
}

export class BadUserInputError extends GatewayError {
  constructor(message: string, field?: string) {
    super(GatewayErrorCode.BadUserInput, message, { field });
    this.name = 'BadUserInputError';
  }
}

export class UnauthenticatedError extends GatewayError {
  constructor(message = 'You must be signed in to do this.') {
    super(GatewayErrorCode.Unauthenticated, message);
    this.name = 'UnauthenticatedError';
  }
}

/**
 * A credential that was presented does not hold: a token whose account no
 * longer exists, or a refresh token that is unknown, expired, spent or revoked.
 * UNAUTHENTICATED with HTTP 401, like an access token that does not verify:
 * the client must sign in again.
 */
export class CredentialRejectedError extends GatewayError {
  constructor(message: string, cause?: unknown) {
    super(GatewayErrorCode.Unauthenticated, message, {}, cause);
    this.extensions.http = { status: 401 };
    this.name = 'CredentialRejectedError';
  }
}

/**
 * An access token was sent but cannot be trusted (bad signature, expired,
 * malformed, naming no account). The request fails as a whole with HTTP 401: a
 * client that sent a token expects to be that user, so quietly treating it as
 * anonymous would hide the fault.
 */
export class InvalidTokenError extends CredentialRejectedError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

export class ForbiddenError extends GatewayError {
  constructor(message = 'You are not allowed to do this.') {
    super(GatewayErrorCode.Forbidden, message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super(GatewayErrorCode.NotFound, message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends GatewayError {
  constructor(message: string, field?: string) {
    super(GatewayErrorCode.Conflict, message, { field });
    this.name = 'ConflictError';
  }
}

/** An upstream (named in `extensions.service`) failed in a way a retry may cure: down, overloaded, too slow. */
export class ServiceUnavailableError extends GatewayError {
  constructor(service: string, cause?: unknown, message = `The ${service} service is unavailable; try again shortly.`) {
    super(GatewayErrorCode.ServiceUnavailable, message, { service }, cause);
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * The keys to check access tokens against (the issuer's JWKS) could not be
 * fetched. Not the client's fault, so not a 401: SERVICE_UNAVAILABLE naming
 * `auth`, with HTTP 503, and the client may retry.
 */
export class TokenKeysUnavailableError extends ServiceUnavailableError {
  constructor(cause: unknown) {
    super('auth', cause, 'Access tokens cannot be checked right now; try again shortly.');
    this.name = 'TokenKeysUnavailableError';
    this.extensions.http = { status: 503 };
  }
}

/**
 * A client over its rate limit. Carries HTTP 429 and `Retry-After` for Apollo
 * Server to put on the response (it reads and then removes `extensions.http`).
 */
export class RateLimitedError extends GatewayError {
  readonly retryAfterSeconds: number;

  /** `limit` names the limit when it is not the request count (`costBudget`). */
  constructor(retryAfterSeconds: number, message = 'Too many requests; try again later.', limit?: string) {
    super(GatewayErrorCode.RateLimited, message, { retryAfter: retryAfterSeconds, limit });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
    this.extensions.http = { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) };
  }
}

/** Trusted-documents mode refused an operation that is not on the list. */
export class PersistedQueryNotInListError extends GatewayError {
  constructor() {
    super(GatewayErrorCode.PersistedQueryNotInList, 'This operation is not on the list of trusted documents.');
    this.name = 'PersistedQueryNotInListError';
  }
}

/** HTTP 400: the request is refused for what its document asks, before anything runs. */
const REFUSED_DOCUMENT_HTTP = () => ({ status: 400, headers: new Map<string, string>() });

/**
 * The operation's estimated cost is over the limit (`MAX_OPERATION_COST`): it
 * is refused before any RPC, naming its cost and the limit.
 */
export class OperationTooExpensiveError extends GatewayError {
  constructor(
    readonly estimatedCost: number,
    readonly maxCost: number,
  ) {
    super(
      GatewayErrorCode.OperationTooExpensive,
      `The operation's estimated cost is ${estimatedCost}, over the limit of ${maxCost}; ask for fewer or smaller lists.`,
      { limit: 'cost', max: maxCost, found: estimatedCost },
    );
    this.name = 'OperationTooExpensiveError';
    this.extensions.http = REFUSED_DOCUMENT_HTTP();
  }
}

/** The structural limits of a document, as named in `extensions.limit`. */
export type StructuralLimit = 'depth' | 'introspectionDepth' | 'aliases' | 'directives' | 'rootFields' | 'tokens' | 'characters';

/** The document breaks a structural limit; it is refused before it runs, naming the limit. */
export class OperationLimitExceededError extends GatewayError {
  constructor(
    readonly limit: StructuralLimit,
    max: number,
    found: number | undefined,
    message: string,
  ) {
    super(GatewayErrorCode.OperationLimitExceeded, message, { limit, max, found });
    this.name = 'OperationLimitExceededError';
    this.extensions.http = REFUSED_DOCUMENT_HTTP();
  }
}

/** What an execution budget counts. */
export type ExecutionBudgetKind = 'rpcs' | 'items';

/**
 * The request used up its execution budget while it ran: no further RPC is
 * sent for it, and the fields that needed one are null.
 */
export class ExecutionBudgetExceededError extends GatewayError {
  constructor(
    readonly budget: ExecutionBudgetKind,
    max: number,
  ) {
    super(
      GatewayErrorCode.ExecutionBudgetExceeded,
      budget === 'rpcs'
        ? `The request needed more than ${max} calls to the services; the rest of the answer was not fetched.`
        : `The request resolved more than ${max} list items; the rest of the answer was not fetched.`,
      { limit: budget, max },
    );
    this.name = 'ExecutionBudgetExceededError';
  }
}

/** The answer would be larger than `MAX_RESPONSE_BYTES`; none of it is sent. */
export class ResponseTooLargeError extends GatewayError {
  constructor(max: number) {
    super(GatewayErrorCode.ResponseTooLarge, `The answer is larger than ${max} bytes; ask for fewer or smaller lists.`, {
      limit: 'responseBytes',
      max,
    });
    this.name = 'ResponseTooLargeError';
  }
}

export class InternalServerError extends GatewayError {
  constructor(message = 'Something went wrong on our side.', cause?: unknown) {
    super(GatewayErrorCode.InternalServerError, message, {}, cause);
    this.name = 'InternalServerError';
  }
}

/**
 * Why a gateway replica shed a request, as `extensions.reason`: it already
 * handles its most requests at once (`in-flight`), this client already has its
 * share in flight (`client-in-flight`), its event loop lags (`event-loop`), or
 * its heap is nearly full (`heap`).
 */
export type OverloadReason = 'in-flight' | 'client-in-flight' | 'cost-in-flight' | 'event-loop' | 'heap';

/**
 * A gateway replica refused a request to protect itself, before doing any work
 * for it: SERVICE_UNAVAILABLE for `service: 'gateway'`, with HTTP 503,
 * `Retry-After` and `extensions.reason`. Safe to retry, mutations included:
 * nothing was run.
 */
export class OverloadedError extends ServiceUnavailableError {
  readonly reason: OverloadReason;
  readonly retryAfterSeconds: number;

  constructor(reason: OverloadReason, retryAfterSeconds: number) {
    super('gateway');
    this.name = 'OverloadedError';
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
    // The replica is up, not "unavailable": say what to do instead.
    this.message =
      reason === 'client-in-flight'
        ? 'Too many of your requests are in flight; wait for one to finish, then try again.'
        : 'The gateway is overloaded; try again shortly.';
    this.extensions.retryAfter = retryAfterSeconds;
    this.extensions.reason = reason;
    this.extensions.http = { status: 503, headers: new Map([['retry-after', String(retryAfterSeconds)]]) };
  }
}

function withoutUndefined(details: GatewayErrorDetails): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}
