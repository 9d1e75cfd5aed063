import { GraphQLError } from 'graphql';
import { GatewayErrorCode, UnauthenticatedReason } from './codes.js';

/** One invalid input field: its argument path and what is wrong with it, worded to show beside it in a form. */
export interface FieldViolation {
  /** A dotted path of the GraphQL arguments (`input.email`, `ids.3`). */
  readonly field: string;
  /** What is wrong, without the path (`must be at least 3 characters`). */
  readonly message: string;
}

/** Extra, client-safe details of an error: the offending input field, the service that failed. */
export interface GatewayErrorDetails {
  /** The input field at fault, as a dotted path of the GraphQL arguments (`input.email`); the first, when several are. */
  field?: string;
  /** Every input field at fault, in the order of the input, for BAD_USER_INPUT and CONFLICT. */
  fields?: readonly FieldViolation[];
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
  /**
   * Why, where one code has several causes a client acts on differently: an
   * `UnauthenticatedReason` (refresh, or sign in again), or why a replica shed the request.
   */
  reason?: string;
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

/**
 * Arguments that break an input rule. `extensions.fields` lists every invalid
 * field at once, so that a form can mark them all after one round trip;
 * `extensions.field` names the first, as it always has.
 */
export class BadUserInputError extends GatewayError {
  constructor(message: string, field?: string, fields: readonly FieldViolation[] = field === undefined ? [] : [{ field, message }]) {
    super(GatewayErrorCode.BadUserInput, message, { field, fields: fields.length > 0 ? fields : undefined });
    this.name = 'BadUserInputError';
  }

  /**
   * One error for every violation: the message lists them all
   * (`input.username: …; input.email: …`) and `extensions.field` names the first.
   */
  static of(violations: readonly FieldViolation[]): BadUserInputError {
    const message = violations.map((violation) => `${violation.field}: ${violation.message}`).join('; ');
    return new BadUserInputError(message || 'Invalid input.', violations[0]?.field, violations);
  }
}

/**
 * UNAUTHENTICATED with `extensions.reason` saying what to do: sign in
 * (`SIGN_IN_REQUIRED`, the default: this needs a viewer and there is none), or
 * what a service refused (`CREDENTIALS_REJECTED`: a login's e-mail or password).
 */
export class UnauthenticatedError extends GatewayError {
  readonly reason: UnauthenticatedReason;

  constructor(message = 'You must be signed in to do this.', reason: UnauthenticatedReason = UnauthenticatedReason.SignInRequired, cause?: unknown) {
    super(GatewayErrorCode.Unauthenticated, message, { reason }, cause);
    this.name = 'UnauthenticatedError';
    this.reason = reason;
  }
}

/**
 * A credential that was presented does not hold: a token whose account no
 * longer exists (`ACCOUNT_CHANGED`), or a refresh token that is unknown,
 * expired, spent or revoked (`REFRESH_TOKEN_INVALID`). UNAUTHENTICATED with
 * HTTP 401, like an access token that does not verify: the client must sign in again.
 */
export class CredentialRejectedError extends UnauthenticatedError {
  constructor(message: string, reason: UnauthenticatedReason, cause?: unknown) {
    super(message, reason, cause);
    this.extensions.http = { status: 401 };
    this.name = 'CredentialRejectedError';
  }
}

/**
 * An access token was sent but cannot be trusted. The request fails as a
 * whole with HTTP 401: a client that sent a token expects to be that user, so
 * quietly treating it as anonymous would hide the fault. `reason` tells an
 * expired token (`TOKEN_EXPIRED`: refresh it), one not valid yet
 * (`TOKEN_NOT_YET_VALID`: a clock is wrong) and every other fault
 * (`TOKEN_INVALID`: bad signature, malformed, wrong issuer or audience, no
 * account claim) apart, so a client need not read the message.
 */
export class InvalidTokenError extends CredentialRejectedError {
  constructor(message: string, reason: UnauthenticatedReason = UnauthenticatedReason.TokenInvalid) {
    super(message, reason);
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

/** Something the input names is taken (a username, an e-mail); `extensions.field` and `extensions.fields` name it. */
export class ConflictError extends GatewayError {
  constructor(message: string, field?: string, fields: readonly FieldViolation[] = field === undefined ? [] : [{ field, message }]) {
    super(GatewayErrorCode.Conflict, message, { field, fields: fields.length > 0 ? fields : undefined });
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

/** The subscription limits, as named in `extensions.limit`. */
export type SubscriptionLimit = 'subscriptionsPerConnection' | 'subscriptionsPerViewer';

/** A new subscription would pass a limit on live subscriptions; it is not started, and the others go on. */
export class SubscriptionLimitExceededError extends GatewayError {
  constructor(
    readonly limit: SubscriptionLimit,
    max: number,
  ) {
    super(
      GatewayErrorCode.SubscriptionLimitExceeded,
      limit === 'subscriptionsPerConnection'
        ? `This connection already has ${max} subscriptions; complete one before starting another.`
        : `This viewer already has ${max} subscriptions open; complete one before starting another.`,
      { limit, max },
    );
    this.name = 'SubscriptionLimitExceededError';
  }
}

/**
 * A subscription's events arrived faster than its client read them, and more
 * than `max` were waiting: it is ended rather than queueing without bound.
 */
export class SubscriptionOverflowError extends GatewayError {
  constructor(max: number) {
    super(
      GatewayErrorCode.SubscriptionOverflow,
      `More than ${max} events were waiting for this subscription, so it was ended; fetch what was missed and subscribe again.`,
      { limit: 'subscriptionBuffer', max },
    );
    this.name = 'SubscriptionOverflowError';
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
