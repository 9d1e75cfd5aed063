import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { FIELD_VIOLATION_METADATA_KEY } from '../services/common/errors.js';

/**
 * The codes clients may rely on in `errors[].extensions.code`. They are part of
 * the public contract: never rename one, only add.
 */
export const GatewayErrorCode = {
  BadUserInput: 'BAD_USER_INPUT',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  /** Trusted-documents mode: the operation is not on the list of allowed documents. */
  PersistedQueryNotInList: 'PERSISTED_QUERY_NOT_IN_LIST',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

const PUBLIC_CODES: ReadonlySet<string> = new Set([
  ...Object.values(GatewayErrorCode),
  // Apollo Server's own codes for requests that never reach a resolver.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
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

  constructor(retryAfterSeconds: number, message = 'Too many requests; try again later.') {
    super(GatewayErrorCode.RateLimited, message, { retryAfter: retryAfterSeconds });
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

export class InternalServerError extends GatewayError {
  constructor(message = 'Something went wrong on our side.', cause?: unknown) {
    super(GatewayErrorCode.InternalServerError, message, {}, cause);
    this.name = 'InternalServerError';
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

function withoutUndefined(details: GatewayErrorDetails): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}

/**
 * Apollo Server's `formatError`. It never throws. In production, errors that
 * carry no public code (bugs, unexpected upstream failures) are masked as
 * INTERNAL_SERVER_ERROR with a fixed message, and no stack trace leaves the process.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown, production: boolean): GraphQLFormattedError {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : undefined;
  const extensions: Record<string, unknown> = { ...formatted.extensions };
  if (production) delete extensions.stacktrace;
  if (code && PUBLIC_CODES.has(code)) {
    return { ...formatted, extensions };
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
