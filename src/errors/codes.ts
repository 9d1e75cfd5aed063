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
  /** A subscription over the per-connection or per-viewer limit (`MAX_SUBSCRIPTIONS_PER_*`); it was not started. */
  SubscriptionLimitExceeded: 'SUBSCRIPTION_LIMIT_EXCEEDED',
  /** A subscription fell too far behind its events (a slow consumer) and was ended; fetch what was missed and subscribe again. */
  SubscriptionOverflow: 'SUBSCRIPTION_OVERFLOW',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  InternalServerError: 'INTERNAL_SERVER_ERROR',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/**
 * Why a request is UNAUTHENTICATED, as `extensions.reason`: what the client
 * should do next, without reading the message. Part of the public contract,
 * like the codes: never rename one, only add.
 */
export const UnauthenticatedReason = {
  /** No access token was sent and this needs one: sign in. */
  SignInRequired: 'SIGN_IN_REQUIRED',
  /** The access token has expired: get a new pair with `refreshToken`, then retry. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The access token is not valid yet (`nbf` ahead of the gateway's clock by more than the tolerance): the issuer's or the client's clock is wrong. */
  TokenNotYetValid: 'TOKEN_NOT_YET_VALID',
  /** The access token cannot be trusted at all (signature, issuer, audience, claims, header shape): sign in again; refreshing would not help. */
  TokenInvalid: 'TOKEN_INVALID',
  /** The access token verifies, but its account no longer exists or is not the one it was issued for: sign in again. */
  AccountChanged: 'ACCOUNT_CHANGED',
  /** `refreshToken`: the refresh token is unknown, expired, already used or revoked: sign in again. */
  RefreshTokenInvalid: 'REFRESH_TOKEN_INVALID',
  /** A service refused the credentials sent (`login`: the e-mail or the password is wrong). */
  CredentialsRejected: 'CREDENTIALS_REJECTED',
} as const;

export type UnauthenticatedReason = (typeof UnauthenticatedReason)[keyof typeof UnauthenticatedReason];

/**
 * Apollo Server's own codes (`ApolloServerErrorCode` in `@apollo/server/errors`)
 * that clients see as Apollo Server wrote them: refusals of a request before
 * any resolver runs. Its INTERNAL_SERVER_ERROR is left out on purpose: Apollo
 * Server gives it to every error that has no code, so it says nothing about
 * whether the message is safe to show. BAD_REQUEST and BAD_USER_INPUT are codes
 * of the gateway's too; an error Apollo Server raised with one keeps Apollo's
 * message (a variable that does not coerce names the variable).
 */
export const ApolloErrorCode = {
  GraphqlParseFailed: 'GRAPHQL_PARSE_FAILED',
  GraphqlValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  PersistedQueryNotFound: 'PERSISTED_QUERY_NOT_FOUND',
  PersistedQueryNotSupported: 'PERSISTED_QUERY_NOT_SUPPORTED',
  OperationResolutionFailure: 'OPERATION_RESOLUTION_FAILURE',
  BadUserInput: 'BAD_USER_INPUT',
  BadRequest: 'BAD_REQUEST',
} as const;

export type ApolloErrorCode = (typeof ApolloErrorCode)[keyof typeof ApolloErrorCode];

const GATEWAY_CODES: ReadonlySet<string> = new Set(Object.values(GatewayErrorCode));
const APOLLO_CODES: ReadonlySet<string> = new Set(Object.values(ApolloErrorCode));

/** Every code a client may see: the gateway's own and Apollo Server's for requests that never reach a resolver. */
export const PUBLIC_CODES: ReadonlySet<string> = new Set([...GATEWAY_CODES, ...APOLLO_CODES]);

/** Whether `code` is one of the gateway's codes. */
export function isGatewayErrorCode(code: unknown): code is GatewayErrorCode {
  return typeof code === 'string' && GATEWAY_CODES.has(code);
}

/** Whether `code` is one of Apollo Server's codes that clients see as they are. */
export function isApolloErrorCode(code: unknown): code is ApolloErrorCode {
  return typeof code === 'string' && APOLLO_CODES.has(code);
}
