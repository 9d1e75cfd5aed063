import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { FIELD_VIOLATION_METADATA_KEY } from '../services/common/errors.js';

/**
 * The codes clients may rely on in `errors[].extensions.code`. They are part of
 * the public contract: never rename one, only add.
 */
export const GatewayErrorCode = {
  /** A request the gateway cannot use as a GraphQL request (Apollo Server's code for the same). */
  BadRequest: 'BAD_REQUEST',
  BadUserInput: 'BAD_USER_INPUT',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  /** Trusted-documents mode: the operation is not on the list of allowed documents. */
  PersistedQueryNotInList: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** The operation's estimated cost is over `MAX_OPERATION_COST`; nothing was run. */
  OperationTooExpensive: 'OPERATION_TOO_EXPENSIVE',
  /** The document breaks a structural limit (depth, aliases, directives, tokens, characters); nothing was run. */
  OperationLimitExceeded: 'OPERATION_LIMIT_EXCEEDED',
  /** The request used up its execution budget (RPCs or list items) while running; the rest was not fetched. */
  ExecutionBudgetExceeded: 'EXECUTION_BUDGET_EXCEEDED',
  /** The answer would be larger than `MAX_RESPONSE_BYTES`. */
  ResponseTooLarge: 'RESPONSE_TOO_LARGE',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** Every code a client may see: the gateway's own and Apollo Server's for requests that never reach a resolver. */
export const PUBLIC_CODES: ReadonlySet<string> = new Set([
  ...Object.values(GatewayErrorCode),
  // Apollo Server's own codes for requests that never reach a resolver.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

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

export class ServiceUnavailableError extends GatewayError {
  constructor(service: string, cause?: unknown) {
    super(GatewayErrorCode.ServiceUnavailable, `The ${service} service is unavailable; try again shortly.`, { service }, cause);
    this.name = 'ServiceUnavailableError';
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

/** Whether `value` is a grpc-js call error (it carries a numeric `code` and `details`). */
export function isGrpcServiceError(value: unknown): value is ServiceError {
  return (
    value instanceof Error &&
    typeof (value as Partial<ServiceError>).code === 'number' &&
    'metadata' in value
  );
}

/** How a proto field named in INVALID_ARGUMENT is shown to the client. */
export interface FieldNaming {
  /** GraphQL argument paths for proto field names (`{ page_token: 'after' }`). */
  fields?: Record<string, string>;
  /** Prefix for fields not listed, which are camel-cased (`input.` + `displayName`). */
  fieldPrefix?: string;
}

/**
 * Maps a failed gRPC call onto the error a client sees. `service` names the
 * upstream for SERVICE_UNAVAILABLE; `naming` turns the proto field a service
 * names in `x-field-violation` into the GraphQL argument the client sent.
 */
export function fromGrpcError(error: ServiceError, service: string, naming: FieldNaming = {}): GatewayError {
  const details = error.details || error.message;
  const field = violatedField(error, naming);
  switch (error.code) {
    // The service rejected the request as malformed (its metadata names the
    // field), or as breaking a business rule the client can fix (FAILED_PRECONDITION).
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
    case GrpcStatus.FAILED_PRECONDITION:
      return new BadUserInputError(details, field);
    case GrpcStatus.NOT_FOUND:
      return new NotFoundError(details);
    // A uniqueness violation (username or e-mail taken): the client can change the input.
    case GrpcStatus.ALREADY_EXISTS:
      return new ConflictError(details, field);
    case GrpcStatus.UNAUTHENTICATED:
      return new UnauthenticatedError(details);
    case GrpcStatus.PERMISSION_DENIED:
      return new ForbiddenError(details);
    // Transient: the service is down, overloaded, restarting or did not answer in time.
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.RESOURCE_EXHAUSTED:
    case GrpcStatus.CANCELLED:
      return new ServiceUnavailableError(service, error);
    // UNKNOWN, INTERNAL, DATA_LOSS, UNIMPLEMENTED, ABORTED: a bug or a broken contract.
    default:
      return new InternalServerError(undefined, error);
  }
}

function violatedField(error: ServiceError, naming: FieldNaming): string | undefined {
  const field = error.metadata?.get(FIELD_VIOLATION_METADATA_KEY)[0];
  if (typeof field !== 'string' || field === '') return undefined;
  return naming.fields?.[field] ?? (naming.fieldPrefix ?? '') + field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * A refusal of the gateway's own that reached Apollo Server wrapped in one of
 * its errors, which would otherwise give it Apollo's code: a validation rule's
 * error (GRAPHQL_VALIDATION_FAILED around an OperationLimitExceededError), or
 * graphql-js's token limit stopping the parser (GRAPHQL_PARSE_FAILED).
 */
function ownRefusal(formatted: GraphQLFormattedError, error: unknown): GatewayError | undefined {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (formatted.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' && original instanceof GatewayError) return original;
  const max = formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' ? tokenLimitOf(formatted.message) : undefined;
  if (max !== undefined) return new GatewayError(GatewayErrorCode.OperationLimitExceeded, `The document has more than ${max} tokens.`, { limit: 'tokens', max });
  return undefined;
}

/**
 * The token limit in the error graphql-js raises when its `maxTokens` stops
 * the parser, or undefined for any other message. Its wording is graphql-js's
 * own (language/parser.ts); the hostile-requests test pins it.
 */
export function tokenLimitOf(message: string): number | undefined {
  const match = /^Syntax Error: Document contains more that (\d+) tokens\. Parsing aborted\.$/.exec(message);
  return match ? Number(match[1]) : undefined;
}

/**
 * The public code an error is shown with, or undefined for one to mask.
 * Apollo Server gives every error without a code INTERNAL_SERVER_ERROR before
 * `formatError` sees it, so that code stands only on the gateway's own
 * InternalServerError, whose message is safe to show. Apollo Server refuses a
 * malformed request without a code in two places (a persisted query whose
 * hash does not match its text, or of an unknown version), with HTTP 400:
 * those are BAD_REQUEST, like its other refusals.
 */
function publicCode(formatted: GraphQLFormattedError, error: unknown): string | undefined {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  if (code === undefined || !PUBLIC_CODES.has(code)) return undefined;
  if (code !== GatewayErrorCode.InternalServerError) return code;
  const own = error instanceof GraphQLError && !(error instanceof GatewayError) ? error.originalError : error;
  if (own instanceof GatewayError) return code;
  const status = error instanceof GraphQLError ? (error.extensions.http as { status?: unknown } | undefined)?.status : undefined;
  const refusedRequest = error instanceof GraphQLError && error.extensions.code === undefined && typeof status === 'number' && status >= 400 && status < 500;
  return refusedRequest ? GatewayErrorCode.BadRequest : undefined;
}

/** An error's extensions as clients see them: without the HTTP hints Apollo Server has already applied. */
function publicExtensions(error: GatewayError): Record<string, unknown> {
  const { http: _http, ...extensions } = error.extensions;
  return extensions;
}

function withoutUndefined(details: GatewayErrorDetails): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}

/**
 * Apollo Server's `formatError`. It never throws. In production, errors that
 * carry no public code (bugs, unexpected upstream failures) are masked as
 * INTERNAL_SERVER_ERROR with a fixed message, and no stack trace leaves the process.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown, production: boolean): GraphQLFormattedError {
  const refusal = ownRefusal(formatted, error);
  if (refusal) return { message: refusal.message, locations: formatted.locations, extensions: publicExtensions(refusal) };
  const code = publicCode(formatted, error);
  const extensions: Record<string, unknown> = { ...formatted.extensions };
  if (production) delete extensions.stacktrace;
  // In production even the gateway's own internal errors keep their message to the log: it may name internals.
  if (code && !(production && code === GatewayErrorCode.InternalServerError)) {
    return { ...formatted, extensions: { ...extensions, code } };
  }
  if (!production) {
    return { ...formatted, extensions: { ...extensions, code: GatewayErrorCode.InternalServerError } };
  }
  void error;
  return {
    message: 'Something went wrong on our side.',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: GatewayErrorCode.InternalServerError },
  };
}
