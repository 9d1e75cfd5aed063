import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConsecutiveBreaker,
  HydratingCircuitError,
  IsolatedCircuitError,
  TaskCancelledError,
  bulkhead,
  circuitBreaker,
  handleAll,
} from 'cockatiel';
import { GraphQLError } from 'graphql';
import { generateKeyPair, SignJWT } from 'jose';
import { TokenVerifier } from '../../src/auth/verify-token.js';
import { ExecutionBudget } from '../../src/demand-control/index.js';
import {
  ApolloErrorCode,
  ExecutionBudgetExceededError,
  ForbiddenError,
  FROM_GRPC_STATUS,
  GatewayError,
  InternalServerError,
  InvalidTokenError,
  normalizeError,
  NotFoundError,
  OperationLimitExceededError,
  PUBLIC_CODES,
  TokenKeysUnavailableError,
  UnauthenticatedError,
  type GatewayErrorCode,
  type NormalizedError,
} from '../../src/errors.js';
import { grpcError, MAX_TOKENS, startCapturingApollo, type CapturingApollo } from './apollo-errors.js';
import { TEST_TOKEN_CONFIG } from '../support/tokens.js';

const TOKENS = TEST_TOKEN_CONFIG;

/** The gateway error a normalised value became, failing the test if Apollo's own code stood instead. */
function gatewayErrorOf(normalized: NormalizedError): GatewayError {
  assert.equal(normalized.kind, 'gateway', `expected a gateway error, got Apollo's ${normalized.code}`);
  assert.ok(normalized.error instanceof GatewayError);
  assert.equal(normalized.error.code, normalized.code);
  return normalized.error;
}

/** What every gRPC status must become; the test below fails if a status is missing here. */
const EXPECTED_FOR_STATUS: Record<keyof typeof GrpcStatus & string, GatewayErrorCode> = {
  OK: 'INTERNAL_SERVER_ERROR',
  CANCELLED: 'SERVICE_UNAVAILABLE',
  UNKNOWN: 'INTERNAL_SERVER_ERROR',
  INVALID_ARGUMENT: 'BAD_USER_INPUT',
  DEADLINE_EXCEEDED: 'SERVICE_UNAVAILABLE',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'CONFLICT',
  PERMISSION_DENIED: 'FORBIDDEN',
  RESOURCE_EXHAUSTED: 'SERVICE_UNAVAILABLE',
  FAILED_PRECONDITION: 'BAD_USER_INPUT',
  ABORTED: 'INTERNAL_SERVER_ERROR',
  OUT_OF_RANGE: 'BAD_USER_INPUT',
  UNIMPLEMENTED: 'INTERNAL_SERVER_ERROR',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  DATA_LOSS: 'INTERNAL_SERVER_ERROR',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
};

/** The numeric gRPC statuses by name, as grpc-js defines them. */
const GRPC_STATUSES = Object.entries(GrpcStatus).filter((entry): entry is [string, number] => typeof entry[1] === 'number');

describe('normalizeError: gRPC statuses', () => {
  it('the table has a decision for each of the 17 gRPC statuses, and this test expects one for each', () => {
    assert.equal(GRPC_STATUSES.length, 17);
    assert.deepEqual(Object.keys(FROM_GRPC_STATUS).map(Number).sort((a, b) => a - b), GRPC_STATUSES.map(([, code]) => code).sort((a, b) => a - b));
    assert.deepEqual(Object.keys(EXPECTED_FOR_STATUS).sort(), GRPC_STATUSES.map(([name]) => name).sort());
  });

  for (const [name, status] of GRPC_STATUSES) {
    const expected = EXPECTED_FOR_STATUS[name as keyof typeof EXPECTED_FOR_STATUS];
    it(`gRPC ${name} becomes ${expected}, the call error kept as its cause`, () => {
      const failure = grpcError(status, `details of ${name}`);
      const error = gatewayErrorOf(normalizeError(failure, { service: 'posts' }));
      assert.equal(error.code, expected);
      if (expected === 'SERVICE_UNAVAILABLE') {
        assert.equal(error.extensions.service, 'posts');
        assert.equal(error.originalError, failure);
      } else if (expected === 'INTERNAL_SERVER_ERROR') {
        // The service's words may name internals: the fixed message, the call error for the log.
        assert.equal(error.message, 'Something went wrong on our side.');
        assert.equal(error.originalError, failure);
      } else {
        // The service wrote its details for the caller.
        assert.equal(error.message, `details of ${name}`);
      }
    });
  }

  it('INVALID_ARGUMENT names the GraphQL argument behind the proto field in x-field-violation', () => {
    const renamed = gatewayErrorOf(normalizeError(grpcError(GrpcStatus.INVALID_ARGUMENT, 'bad cursor', 'page_token'), { service: 'posts', naming: { fields: { page_token: 'after' } } }));
    assert.equal(renamed.extensions.field, 'after');
    const prefixed = gatewayErrorOf(normalizeError(grpcError(GrpcStatus.INVALID_ARGUMENT, 'too long', 'display_name'), { service: 'users', naming: { fieldPrefix: 'input.' } }));
    assert.equal(prefixed.extensions.field, 'input.displayName');
  });

  it('ALREADY_EXISTS is CONFLICT naming the field that is taken', () => {
    const error = gatewayErrorOf(normalizeError(grpcError(GrpcStatus.ALREADY_EXISTS, 'username taken', 'username'), { service: 'users', naming: { fieldPrefix: 'input.' } }));
    assert.equal(error.code, 'CONFLICT');
    assert.equal(error.extensions.field, 'input.username');
  });

  it('UNAUTHENTICATED is an UnauthenticatedError, which refreshToken turns into a rejected credential', () => {
    assert.ok(normalizeError(grpcError(GrpcStatus.UNAUTHENTICATED, 'wrong password'), { service: 'auth' }).error instanceof UnauthenticatedError);
  });

  it('a status no gRPC version this code knows defines is INTERNAL_SERVER_ERROR', () => {
    assert.equal(normalizeError(grpcError(99 as GrpcStatus), { service: 'posts' }).code, 'INTERNAL_SERVER_ERROR');
  });

  it('without the call it came from, SERVICE_UNAVAILABLE names "upstream"', () => {
    assert.equal(gatewayErrorOf(normalizeError(grpcError(GrpcStatus.UNAVAILABLE))).extensions.service, 'upstream');
  });
});

describe('normalizeError: cockatiel refusals', () => {
  const refusals: [string, Error][] = [
    ['an open breaker (BrokenCircuitError)', new BrokenCircuitError()],
    ['an isolated breaker (IsolatedCircuitError)', new IsolatedCircuitError()],
    ['a breaker still loading its state (HydratingCircuitError)', new HydratingCircuitError()],
    ['a full bulkhead (BulkheadRejectedError)', new BulkheadRejectedError(1, 0)],
    ['a cancelled attempt (TaskCancelledError)', new TaskCancelledError()],
  ];
  for (const [name, refusal] of refusals) {
    it(`${name} is SERVICE_UNAVAILABLE naming the service, the refusal kept as its cause`, () => {
      const error = gatewayErrorOf(normalizeError(refusal, { service: 'recommendations' }));
      assert.equal(error.code, 'SERVICE_UNAVAILABLE');
      assert.equal(error.extensions.service, 'recommendations');
      assert.equal(error.originalError, refusal);
    });
  }

  it('a real open breaker and a real full bulkhead refuse with errors the normaliser recognises', async () => {
    const breaker = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(1) });
    await assert.rejects(breaker.execute(() => Promise.reject(grpcError(GrpcStatus.UNAVAILABLE))));
    const open = await breaker.execute(() => 'unreached').catch((error: unknown) => error);
    assert.equal(normalizeError(open, { service: 'posts' }).code, 'SERVICE_UNAVAILABLE');

    const limit = bulkhead(1, 0);
    let release = () => {};
    const held = limit.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const full = await limit.execute(() => 'unreached').catch((error: unknown) => error);
    release();
    await held;
    assert.equal(normalizeError(full, { service: 'posts' }).code, 'SERVICE_UNAVAILABLE');
  });
});

describe('normalizeError: the gateway\'s own errors', () => {
  it('a GatewayError is itself', () => {
    const error = new NotFoundError('There is no post pst_1.');
    assert.equal(normalizeError(error).error, error);
  });

  it('a spent execution budget is its own EXECUTION_BUDGET_EXCEEDED, the same error every time', () => {
    const budget = new ExecutionBudget({ maxRpcs: 0, maxItems: 10 });
    const thrown = (() => {
      try {
        budget.spendRpc();
      } catch (error) {
        return error;
      }
    })();
    assert.ok(thrown instanceof ExecutionBudgetExceededError);
    const normalized = normalizeError(thrown, { service: 'posts' });
    assert.equal(normalized.error, thrown);
    assert.equal(normalized.code, 'EXECUTION_BUDGET_EXCEEDED');
  });

  it('a malformed Authorization header is an InvalidTokenError: a GatewayError, UNAUTHENTICATED with HTTP 401', async () => {
    const verifier = new TokenVerifier(TOKENS);
    const thrown = await verifier.viewerFromHeader('Basic dXNlcjpwYXNz').catch((error: unknown) => error);
    assert.ok(thrown instanceof InvalidTokenError);
    assert.ok(thrown instanceof GatewayError);
    const normalized = normalizeError(thrown);
    assert.equal(normalized.error, thrown);
    assert.equal(normalized.code, 'UNAUTHENTICATED');
    assert.deepEqual(thrown.extensions.http, { status: 401 });
    assert.equal(thrown.message, 'The Authorization header must be "Bearer <access token>".');
  });

  it('an unreachable JWKS is a TokenKeysUnavailableError: SERVICE_UNAVAILABLE naming auth, with HTTP 503', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ account_created_at: new Date(0).toISOString() })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('usr_1')
      .setIssuer(TOKENS.issuer)
      .setAudience(TOKENS.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    // Port 9 (discard) on loopback: nothing listens, so the fetch is refused at once.
    const verifier = new TokenVerifier(TOKENS, { keys: { kind: 'jwks', url: 'http://127.0.0.1:9/jwks.json', maxAgeMs: 60_000, cooldownMs: 60_000 } });
    const thrown = await verifier.viewerFromHeader(`Bearer ${token}`).catch((error: unknown) => error);
    assert.ok(thrown instanceof TokenKeysUnavailableError);
    const error = gatewayErrorOf(normalizeError(thrown));
    assert.equal(error, thrown);
    assert.equal(error.code, 'SERVICE_UNAVAILABLE');
    assert.equal(error.extensions.service, 'auth');
    assert.deepEqual(error.extensions.http, { status: 503 });
    assert.equal(error.message, 'Access tokens cannot be checked right now; try again shortly.');
  });
});

describe('normalizeError: plain errors and values that are not errors', () => {
  it('a plain Error is INTERNAL_SERVER_ERROR with the fixed message, the error kept as its cause', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
    const error = gatewayErrorOf(normalizeError(bug));
    assert.ok(error instanceof InternalServerError);
    assert.equal(error.message, 'Something went wrong on our side.');
    assert.equal(error.originalError, bug);
  });

  for (const [name, value] of [
    ['a string', 'boom'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a symbol', Symbol('boom')],
    ['a plain object with a code', { code: 'NOT_FOUND', message: 'no' }],
  ] as const) {
    it(`${name} thrown is INTERNAL_SERVER_ERROR`, () => {
      assert.equal(normalizeError(value).code, 'INTERNAL_SERVER_ERROR');
    });
  }

  it('a proxy whose every trap throws is INTERNAL_SERVER_ERROR, and normalising it does not throw', () => {
    const hostile = new Proxy(new Error('x'), {
      get: () => {
        throw new Error('trap');
      },
      getPrototypeOf: () => {
        throw new Error('trap');
      },
      has: () => {
        throw new Error('trap');
      },
    });
    assert.equal(normalizeError(hostile, { service: 'posts' }).code, 'INTERNAL_SERVER_ERROR');
  });

  it("a body Express's parser refused is BAD_REQUEST with its status: 413 too large, 400 not JSON", () => {
    // The shape of body-parser's http-errors: a 4xx status, `expose`, the parser's `type`.
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, expose: true, type: 'entity.too.large' });
    const notJson = Object.assign(new SyntaxError('Unexpected token n'), { status: 400, statusCode: 400, expose: true, type: 'entity.parse.failed' });
    const large = gatewayErrorOf(normalizeError(tooLarge));
    assert.equal(large.code, 'BAD_REQUEST');
    assert.equal(large.message, 'The request body is too large.');
    assert.equal((large.extensions.http as { status: number }).status, 413);
    const json = gatewayErrorOf(normalizeError(notJson));
    assert.equal(json.message, 'The request body is not valid JSON.');
    assert.equal((json.extensions.http as { status: number }).status, 400);
  });

  it("a body that fails to inflate (body-parser's 400 without a type) is BAD_REQUEST too", () => {
    const notGzip = Object.assign(new Error('incorrect header check'), { status: 400, statusCode: 400, expose: true, errno: -3, code: 'Z_DATA_ERROR' });
    assert.equal(normalizeError(notGzip).code, 'BAD_REQUEST');
  });

  it('an error with a 4xx status that http-errors did not mark as safe to expose is still a bug', () => {
    assert.equal(normalizeError(Object.assign(new Error('nope'), { status: 404 })).code, 'INTERNAL_SERVER_ERROR');
  });
});

describe('normalizeError: GraphQL errors from graphql-js and Apollo Server', () => {
  let apollo: CapturingApollo;
  let noPersistedQueries: CapturingApollo;
  before(async () => {
    apollo = await startCapturingApollo();
    noPersistedQueries = await startCapturingApollo({ persistedQueries: false });
  });
  after(async () => {
    await apollo.stop();
    await noPersistedQueries.stop();
  });

  it("the gateway's ApolloErrorCode set is Apollo Server's codes less INTERNAL_SERVER_ERROR", () => {
    assert.deepEqual(
      Object.values(ApolloErrorCode).sort(),
      Object.values(ApolloServerErrorCode).filter((code) => code !== 'INTERNAL_SERVER_ERROR').sort(),
    );
    for (const code of Object.values(ApolloErrorCode)) assert.ok(PUBLIC_CODES.has(code), code);
  });

  /** One real request per Apollo Server code, and what it must normalise to. */
  const APOLLO_CASES: [ApolloErrorCode, (servers: { apollo: CapturingApollo; noPersistedQueries: CapturingApollo }) => Promise<unknown>][] = [
    ['GRAPHQL_PARSE_FAILED', ({ apollo }) => apollo.only({ query: '{ hello' }).then((c) => c.error)],
    ['GRAPHQL_VALIDATION_FAILED', ({ apollo }) => apollo.only({ query: '{ nope }' }).then((c) => c.error)],
    ['PERSISTED_QUERY_NOT_FOUND', ({ apollo }) => apollo.only({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }).then((c) => c.error)],
    [
      'PERSISTED_QUERY_NOT_SUPPORTED',
      ({ noPersistedQueries }) => noPersistedQueries.only({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }).then((c) => c.error),
    ],
    ['OPERATION_RESOLUTION_FAILURE', ({ apollo }) => apollo.only({ query: 'query A { hello } query B { hello }' }).then((c) => c.error)],
    ['BAD_USER_INPUT', ({ apollo }) => apollo.only({ query: 'query($n: Int!) { echo(n: $n) }', variables: { n: 'seven' } }).then((c) => c.error)],
    ['BAD_REQUEST', ({ apollo }) => apollo.only({ query: 42 }).then((c) => c.error)],
  ];
  for (const [code, produce] of APOLLO_CASES) {
    it(`Apollo Server's ${code} stays Apollo's own, the error unchanged`, async () => {
      const thrown = await produce({ apollo, noPersistedQueries });
      const normalized = normalizeError(thrown);
      assert.equal(normalized.kind, 'apollo');
      assert.equal(normalized.code, code);
      assert.equal(normalized.error, thrown);
    });
  }

  it('a persisted query whose hash does not match its text (Apollo: no code, HTTP 400) is BAD_REQUEST', async () => {
    const { error } = await apollo.only({ query: '{ hello }', extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } });
    assert.equal((error as GraphQLError).extensions.code, undefined);
    const normalized = normalizeError(error);
    assert.equal(normalized.kind, 'apollo');
    assert.equal(normalized.code, 'BAD_REQUEST');
  });

  it("graphql-js's token limit (GRAPHQL_PARSE_FAILED) is OPERATION_LIMIT_EXCEEDED naming tokens and the limit", async () => {
    const { error } = await apollo.only({ query: `{ ${'hello '.repeat(MAX_TOKENS)}}` });
    const refusal = gatewayErrorOf(normalizeError(error));
    assert.ok(refusal instanceof OperationLimitExceededError);
    assert.equal(refusal.extensions.limit, 'tokens');
    assert.equal(refusal.extensions.max, MAX_TOKENS);
  });

  it("a validation rule's GatewayError wrapped in GRAPHQL_VALIDATION_FAILED is the rule's own refusal", async () => {
    const { error, formatted } = await apollo.only({ query: '{ deep }' });
    assert.equal(formatted.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    const refusal = gatewayErrorOf(normalizeError(error));
    assert.equal(refusal.code, 'OPERATION_LIMIT_EXCEEDED');
    assert.equal(refusal.extensions.limit, 'depth');
  });

  it("a resolver's GatewayError, located by graphql-js, is that GatewayError", async () => {
    const { error } = await apollo.only({ query: '{ missing }' });
    assert.notEqual(error instanceof GatewayError, true, 'graphql-js hands over a located copy');
    const found = gatewayErrorOf(normalizeError(error));
    assert.ok(found instanceof NotFoundError);
    assert.equal(found.message, 'There is no such thing.');
  });

  it("a resolver's plain Error, located by graphql-js, is INTERNAL_SERVER_ERROR", async () => {
    const { error } = await apollo.only({ query: '{ bug }' });
    assert.equal(normalizeError(error).code, 'INTERNAL_SERVER_ERROR');
  });

  it('a gRPC error that escaped a resolver is decided by its status all the same', async () => {
    const { error } = await apollo.only({ query: '{ escapedGrpc }' });
    const found = gatewayErrorOf(normalizeError(error));
    assert.equal(found.code, 'NOT_FOUND');
    assert.equal(found.message, 'no post pst_1');
  });

  it("graphql-js's own execution error (null for a non-null field, no code) is INTERNAL_SERVER_ERROR", async () => {
    const { error } = await apollo.only({ query: '{ nonNull }' });
    assert.equal((error as GraphQLError).extensions.code, undefined);
    assert.equal(normalizeError(error).code, 'INTERNAL_SERVER_ERROR');
  });

  it('a context function that throws a plain Error (Apollo: "Context creation failed", no code) is INTERNAL_SERVER_ERROR', async () => {
    const { error } = await apollo.only({ query: '{ hello }' }, new Error('redis down'));
    assert.equal(normalizeError(error).code, 'INTERNAL_SERVER_ERROR');
  });

  it('a context function that throws a token error keeps it: UNAUTHENTICATED', async () => {
    const refused = new InvalidTokenError('The access token has expired.');
    const { error } = await apollo.only({ query: '{ hello }' }, refused);
    assert.equal(normalizeError(error).error, refused);
  });

  it('a GraphQL error someone else coded with a gateway code becomes a GatewayError keeping message and extensions', () => {
    const foreign = new GraphQLError('Not yours.', { extensions: { code: 'FORBIDDEN', reason: 'owner-only' } });
    const error = gatewayErrorOf(normalizeError(foreign));
    assert.equal(error.code, 'FORBIDDEN');
    assert.equal(error.message, 'Not yours.');
    assert.equal(error.extensions.reason, 'owner-only');
  });

  it('a GraphQL error with a code nobody promised clients, or Apollo\'s INTERNAL_SERVER_ERROR, is INTERNAL_SERVER_ERROR', () => {
    assert.equal(normalizeError(new GraphQLError('x', { extensions: { code: 'DOWNSTREAM_SQL_ERROR' } })).code, 'INTERNAL_SERVER_ERROR');
    assert.equal(normalizeError(new GraphQLError('x', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })).code, 'INTERNAL_SERVER_ERROR');
  });

  it('Apollo wrapping one of ours in another of its codes keeps Apollo\'s code (a scalar refusing a variable)', () => {
    const ours = new ForbiddenError();
    const wrapped = new GraphQLError('Variable "$x" got invalid value', { extensions: { ...ours.extensions, code: 'BAD_USER_INPUT' }, originalError: ours });
    const normalized = normalizeError(wrapped);
    assert.equal(normalized.kind, 'apollo');
    assert.equal(normalized.code, 'BAD_USER_INPUT');
  });
});
