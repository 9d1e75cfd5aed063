import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { isBrokenCircuitError, isBulkheadRejectedError, isHydratingCircuitError } from 'cockatiel';
import { GraphQLError } from 'graphql';
import { FIELD_VIOLATION_METADATA_KEY } from '../../platform/error-metadata.js';
import {
  BadRequestError,
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  type FieldViolation,
  GatewayError,
  InternalServerError,
  NotFoundError,
  OperationLimitExceededError,
  ServiceUnavailableError,
  UnauthenticatedError,
} from './classes.js';
import { ApolloErrorCode, isApolloErrorCode, isGatewayErrorCode, UnauthenticatedReason, type GatewayErrorCode } from './codes.js';

/** How a proto field named in INVALID_ARGUMENT is shown to the client. */
export interface FieldNaming {
  /** GraphQL argument paths for proto field names (`{ page_token: 'after' }`). */
  fields?: Record<string, string>;
  /** Prefix for fields not listed, which are camel-cased (`input.` + `displayName`). */
  fieldPrefix?: string;
}

/** The service call an error came from: what a gRPC or policy failure names. */
export interface ServiceCall {
  /** The upstream called, named in SERVICE_UNAVAILABLE (`extensions.service`). */
  service: string;
  /** How the proto field a service names in `x-field-violation` is shown to the client. */
  naming?: FieldNaming;
}

/** What SERVICE_UNAVAILABLE names when the failed call is not known (a gRPC error that escaped its service API). */
const UNNAMED_SERVICE = 'upstream';

/**
 * What anything thrown comes to. Either a `GatewayError` (the gateway's own,
 * or what a foreign error means), or an error Apollo Server raised with one of
 * its own public codes, which clients see as Apollo Server wrote it.
 */
export type NormalizedError =
  | { readonly kind: 'gateway'; readonly code: GatewayErrorCode; readonly error: GatewayError }
  | { readonly kind: 'apollo'; readonly code: ApolloErrorCode; readonly error: GraphQLError };

/**
 * The one place that decides what a thrown value means for the client. It
 * never throws. `call` names the service call the value came from, for gRPC
 * statuses and cockatiel's refusals; without it they name `upstream`.
 *
 * | thrown | becomes |
 * | --- | --- |
 * | a `GatewayError` (token errors, the execution budget's, ...) | itself |
 * | a GraphQL error around a `GatewayError` (located by graphql-js, or a validation rule's refusal) | that `GatewayError` |
 * | graphql-js's token limit (GRAPHQL_PARSE_FAILED) | OPERATION_LIMIT_EXCEEDED, `limit: tokens` |
 * | a GraphQL error with one of Apollo Server's public codes | Apollo's, as it is |
 * | a GraphQL error with a gateway code | a `GatewayError` with that code, message and extensions |
 * | Apollo Server's refusal with no code and a 4xx status | Apollo's, as BAD_REQUEST |
 * | a GraphQL error with no code around another thrown value | what that value becomes |
 * | a grpc-js `ServiceError` | by its status: {@link FROM_GRPC_STATUS} |
 * | cockatiel's open breaker, full bulkhead or cancelled attempt | SERVICE_UNAVAILABLE naming the service |
 * | a body Express's body parser refused | BAD_REQUEST with its 4xx status |
 * | anything else (a bug) | INTERNAL_SERVER_ERROR, the value kept as its cause for the log |
 */
export function normalizeError(thrown: unknown, call?: ServiceCall): NormalizedError {
  try {
    return classify(thrown, call);
  } catch {
    // Only a hostile value gets here (a proxy whose traps throw, a getter that
    // throws): it is not kept even as a cause, as logging it could throw too.
    return ours(new InternalServerError());
  }
}

function classify(thrown: unknown, call: ServiceCall | undefined): NormalizedError {
  // The gateway's own errors, token errors and the execution budget's included.
  if (thrown instanceof GatewayError) return ours(thrown);
  if (thrown instanceof GraphQLError) return fromGraphQLError(thrown, call);
  // A failed gRPC call, by its status.
  if (isGrpcServiceError(thrown)) return ours(fromGrpcError(thrown, call));
  // cockatiel answered at once instead of calling: the service's breaker is
  // open (or its half-open probe is already out), the bulkhead is full, or
  // the attempt was cancelled. The service is unavailable as far as the client can tell.
  if (isPolicyRejection(thrown)) return ours(new ServiceUnavailableError(call?.service ?? UNNAMED_SERVICE, thrown));
  // Express's body parser refused the body: not JSON, too large, an unknown charset.
  if (isBodyRefusal(thrown)) {
    const message = thrown.type === 'entity.too.large' ? 'The request body is too large.' : 'The request body is not valid JSON.';
    return ours(new BadRequestError(message, thrown.status));
  }
  // Anything else is a bug: its cause goes to the log, never to a client.
  return ours(internal(thrown));
}

function fromGraphQLError(error: GraphQLError, call: ServiceCall | undefined): NormalizedError {
  const code = error.extensions.code;
  const original = error.originalError;
  // One of ours, wrapped: graphql-js locates a resolver's error in a copy with
  // its code, and Apollo Server wraps a validation rule's refusal in
  // GRAPHQL_VALIDATION_FAILED, where the refusal is what the client must read.
  // Apollo's other wrappers keep Apollo's code and message (a variable whose
  // scalar refused it is BAD_USER_INPUT naming the variable).
  if (original instanceof GatewayError && (code === undefined || code === original.code || code === ApolloErrorCode.GraphqlValidationFailed)) {
    return ours(original);
  }
  // graphql-js's `maxTokens` stopped the parser: one of the gateway's structural limits.
  const maxTokens = code === ApolloErrorCode.GraphqlParseFailed ? tokenLimitOf(error.message) : undefined;
  if (maxTokens !== undefined) {
    return ours(new OperationLimitExceededError('tokens', maxTokens, undefined, `The document has more than ${maxTokens} tokens.`));
  }
  // Apollo Server's refusals of a request (parse, validation, persisted
  // queries, variables, a malformed request): shown as Apollo wrote them.
  if (isApolloErrorCode(code)) return { kind: 'apollo', code, error };
  // Coded with one of the gateway's codes by someone else: kept, with its message and extensions.
  if (isGatewayErrorCode(code)) return ours(recoded(error, code));
  if (code === undefined) {
    // Apollo Server refuses two malformed requests without a code but with a 4xx
    // status (a persisted query whose hash does not match its text, or of an
    // unknown version): BAD_REQUEST, like its other refusals.
    const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return { kind: 'apollo', code: ApolloErrorCode.BadRequest, error };
    // graphql-js locating something a resolver threw (or Apollo Server wrapping
    // what its context function threw): what was thrown decides.
    if (original !== undefined && !(original instanceof GraphQLError)) return classify(original, call);
  }
  // graphql-js's own execution errors (a null for a non-null field, a value a
  // scalar cannot serialise) and codes nobody promised clients: bugs.
  return ours(internal(error));
}

/**
 * What each gRPC status becomes for the client (the status codes as gRPC
 * defines them: https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
 * Every status has an entry, so a status without a decision does not compile.
 */
export const FROM_GRPC_STATUS: { readonly [S in GrpcStatus]: (failure: GrpcFailure) => GatewayError } = {
  // grpc-js never fails a call with OK: a failure that claims it breaks the contract.
  [GrpcStatus.OK]: (failure) => internal(failure.error),
  // The call was cancelled: by the gateway, once its request was answered or
  // abandoned, or by a service on its way down. A retry may succeed.
  [GrpcStatus.CANCELLED]: (failure) => new ServiceUnavailableError(failure.service, failure.error),
  // The service threw something it did not map to a status: a bug there.
  [GrpcStatus.UNKNOWN]: (failure) => internal(failure.error),
  // The service refused the request as malformed; its metadata names the field.
  [GrpcStatus.INVALID_ARGUMENT]: (failure) => new BadUserInputError(failure.message, failure.field, violations(failure)),
  // The service did not answer within the deadline cut from the request's budget.
  [GrpcStatus.DEADLINE_EXCEEDED]: (failure) => new ServiceUnavailableError(failure.service, failure.error),
  // The thing asked for does not exist.
  [GrpcStatus.NOT_FOUND]: (failure) => new NotFoundError(failure.message),
  // A uniqueness violation (username or e-mail taken): the client can change the input.
  [GrpcStatus.ALREADY_EXISTS]: (failure) => new ConflictError(failure.message, failure.field, violations(failure)),
  // The caller is known but may not do this (delete another user's post).
  [GrpcStatus.PERMISSION_DENIED]: (failure) => new ForbiddenError(failure.message),
  // The service is out of capacity (a quota, its own load shedding): transient.
  [GrpcStatus.RESOURCE_EXHAUSTED]: (failure) => new ServiceUnavailableError(failure.service, failure.error),
  // A business rule the client can satisfy by changing the request.
  [GrpcStatus.FAILED_PRECONDITION]: (failure) => new BadUserInputError(failure.message, failure.field, violations(failure)),
  // A concurrency conflict inside the service. No service raises it on purpose,
  // and the gateway cannot tell the client what to change: a bug if seen.
  [GrpcStatus.ABORTED]: (failure) => internal(failure.error),
  // A value past its valid range (a page size, an offset): the client's to fix.
  [GrpcStatus.OUT_OF_RANGE]: (failure) => new BadUserInputError(failure.message, failure.field, violations(failure)),
  // The service lacks the method: gateway and service disagree on the contract (a deploy skew).
  [GrpcStatus.UNIMPLEMENTED]: (failure) => internal(failure.error),
  // The service failed and said no more.
  [GrpcStatus.INTERNAL]: (failure) => internal(failure.error),
  // The service is down or restarting, or the connection failed before it took the call.
  [GrpcStatus.UNAVAILABLE]: (failure) => new ServiceUnavailableError(failure.service, failure.error),
  // Unrecoverable data loss in the service.
  [GrpcStatus.DATA_LOSS]: (failure) => internal(failure.error),
  // A credential the service checks does not hold (a login's password, a refresh token;
  // the auth source names the refresh token's own reason).
  [GrpcStatus.UNAUTHENTICATED]: (failure) =>
    new UnauthenticatedError(failure.message, UnauthenticatedReason.CredentialsRejected, failure.error),
};

/** A failed gRPC call, as {@link FROM_GRPC_STATUS} reads it. */
export interface GrpcFailure {
  /**
   * What the service said (the status details), meant for the caller; where
   * it began with the proto field it names, that name is replaced by the
   * GraphQL argument (`page_token is not a valid cursor` → `after: is not a valid cursor`).
   */
  readonly message: string;
  /** The GraphQL argument behind the proto field the service named, if it named one. */
  readonly field: string | undefined;
  /** What is wrong with `field`, without its name (`is not a valid cursor`). */
  readonly fieldMessage: string;
  /** The service called. */
  readonly service: string;
  /** The call error, kept as the cause for the log. */
  readonly error: ServiceError;
}

function fromGrpcError(error: ServiceError, call: ServiceCall | undefined): GatewayError {
  const said = error.details || error.message;
  const protoField = error.metadata?.get(FIELD_VIOLATION_METADATA_KEY)[0];
  const field = typeof protoField === 'string' && protoField !== '' ? publicField(protoField, call?.naming ?? {}) : undefined;
  // Services begin a field's message with the proto name (`page_token is not a
  // valid cursor`), which a GraphQL client never wrote: say it as the argument.
  const named = field !== undefined && typeof protoField === 'string' && said.startsWith(`${protoField} `);
  const fieldMessage = named ? said.slice(protoField.length + 1) : said;
  const failure: GrpcFailure = {
    message: named ? `${field}: ${fieldMessage}` : said,
    field,
    fieldMessage,
    service: call?.service ?? UNNAMED_SERVICE,
    error,
  };
  const toError = Object.hasOwn(FROM_GRPC_STATUS, error.code) ? FROM_GRPC_STATUS[error.code as GrpcStatus] : undefined;
  // A status outside the table (a newer gRPC than this code knows) is a broken contract.
  return toError ? toError(failure) : internal(error);
}

/**
 * The entry of a batch request a service names (`requests[2].page_token`).
 * The gateway builds one batch from many fields' arguments, so the entry's
 * position means nothing to the client: the field within it is what it wrote.
 */
const BATCH_ENTRY = /^requests\[\d+\]\./;

/** The GraphQL argument path for a proto field a service named (`page_token` → `after`, `display_name` → `input.displayName`). */
function publicField(protoField: string, naming: FieldNaming): string {
  const field = protoField.replace(BATCH_ENTRY, '');
  return naming.fields?.[field] ?? (naming.fieldPrefix ?? '') + field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The one field violation a service reported, as `extensions.fields` lists it. */
function violations(failure: GrpcFailure): FieldViolation[] {
  return failure.field === undefined ? [] : [{ field: failure.field, message: failure.fieldMessage }];
}

/** Whether `value` is a grpc-js call error (it carries a numeric `code` and `metadata`). */
export function isGrpcServiceError(value: unknown): value is ServiceError {
  return value instanceof Error && typeof (value as Partial<ServiceError>).code === 'number' && 'metadata' in value;
}

/**
 * Whether cockatiel refused to run a call, recognised by the brand each of its
 * errors carries rather than by `instanceof` across packages: an open or
 * isolated breaker (`BrokenCircuitError`), a breaker still loading its state,
 * a full bulkhead, a cancelled attempt. cockatiel 3.2's own
 * `isTaskCancelledError` tests the bulkhead's brand, so that one is read here.
 */
function isPolicyRejection(value: unknown): value is Error {
  return (
    isBrokenCircuitError(value) ||
    isHydratingCircuitError(value) ||
    isBulkheadRejectedError(value) ||
    (value instanceof Error && 'isTaskCancelledError' in value)
  );
}

/**
 * An error Express's body parser raised for a body it refuses: an http-errors
 * error with a 4xx `status` and `expose` set. Most carry the parser's `type`
 * (`entity.parse.failed`, `entity.too.large`, `charset.unsupported`); a body
 * that fails to inflate (`Content-Encoding: gzip` on plain text) does not.
 */
function isBodyRefusal(value: unknown): value is Error & { status: number; type?: unknown } {
  if (!(value instanceof Error)) return false;
  const { status, expose } = value as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true;
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

/** A GraphQL error someone else coded with a gateway code, as a `GatewayError` with the same message and extensions. */
function recoded(error: GraphQLError, code: GatewayErrorCode): GatewayError {
  const gatewayError = new GatewayError(code, error.message, {}, error);
  Object.assign(gatewayError.extensions, error.extensions);
  return gatewayError;
}

/** INTERNAL_SERVER_ERROR with `cause` kept for the log; without it if the cause cannot even be kept. */
function internal(cause: unknown): InternalServerError {
  try {
    return new InternalServerError(undefined, cause);
  } catch {
    return new InternalServerError();
  }
}

function ours(error: GatewayError): NormalizedError {
  return { kind: 'gateway', code: error.code, error };
}
