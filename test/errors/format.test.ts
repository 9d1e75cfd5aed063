import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GraphQLRequestContextDidEncounterErrors } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import {
  BadUserInputError,
  formatGatewayError,
  InternalServerError,
  MASKED_MESSAGE,
  OverloadedError,
  PUBLIC_CODES,
  RateLimitedError,
  ServiceUnavailableError,
} from '../../src/errors.js';
import { errorLoggingPlugin } from '../../src/http/error-logging.js';
import { createGatewayLogger } from '../../src/telemetry/logger.js';
import { MAX_TOKENS, startCapturingApollo, type Captured, type CapturingApollo } from './apollo-errors.js';

const SECRET = 'postgres://admin:hunter2@db.internal';

describe('formatGatewayError: what clients see', () => {
  let apollo: CapturingApollo;
  before(async () => {
    apollo = await startCapturingApollo();
  });
  after(() => apollo.stop());

  const format = ({ formatted, error }: Captured, production: boolean) => formatGatewayError(formatted, error, production);

  it("in production a resolver's bug is INTERNAL_SERVER_ERROR with the fixed message, keeping only where it happened", async () => {
    const captured = await apollo.only({ query: '{ bug }' });
    assert.deepEqual(format(captured, true), {
      message: MASKED_MESSAGE,
      locations: [{ line: 1, column: 3 }],
      path: ['bug'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it("outside production a bug's message stays, to help whoever runs the gateway", async () => {
    const shown = format(await apollo.only({ query: '{ bug }' }), false);
    assert.equal(shown.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.match(shown.message, /secretColumn/);
  });

  it("the gateway's own INTERNAL_SERVER_ERROR is masked in production too: its message may name internals", () => {
    const error = new InternalServerError(`The author could not be loaded from ${SECRET}.`);
    assert.equal(formatGatewayError(error.toJSON(), error, true).message, MASKED_MESSAGE);
    assert.equal(formatGatewayError(error.toJSON(), error, false).message, error.message);
  });

  it("a gateway error keeps its message and extensions and loses its HTTP hints", () => {
    const limited = new RateLimitedError(30, 'Too many login attempts.', 'login');
    assert.deepEqual(formatGatewayError(limited.toJSON(), limited, true), {
      message: 'Too many login attempts.',
      extensions: { code: 'RATE_LIMITED', retryAfter: 30, limit: 'login' },
    });
    const shed = new OverloadedError('heap', 5);
    assert.deepEqual(formatGatewayError(shed.toJSON(), shed, true).extensions, { code: 'SERVICE_UNAVAILABLE', service: 'gateway', retryAfter: 5, reason: 'heap' });
  });

  it("a resolver's gateway error keeps its field, its path and its locations", async () => {
    const shown = format(await apollo.only({ query: '{ missing }' }), true);
    assert.deepEqual(shown, { message: 'There is no such thing.', locations: [{ line: 1, column: 3 }], path: ['missing'], extensions: { code: 'NOT_FOUND' } });
    const input = new BadUserInputError('Too long.', 'input.title');
    assert.equal(formatGatewayError(input.toJSON(), input, true).extensions?.field, 'input.title');
  });

  it("Apollo Server's refusals are shown as Apollo wrote them, without HTTP hints", async () => {
    const parse = format(await apollo.only({ query: '{ hello' }), true);
    assert.equal(parse.extensions?.code, 'GRAPHQL_PARSE_FAILED');
    assert.match(parse.message, /^Syntax Error/);
    assert.equal(parse.extensions?.http, undefined);
    const variables = format(await apollo.only({ query: 'query($n: Int!) { echo(n: $n) }', variables: { n: 'seven' } }), true);
    assert.equal(variables.extensions?.code, 'BAD_USER_INPUT');
    assert.match(variables.message, /\$n/);
  });

  it('a persisted query whose hash does not match is shown as BAD_REQUEST, not masked', async () => {
    const shown = format(await apollo.only({ query: '{ hello }', extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } }), true);
    assert.equal(shown.extensions?.code, 'BAD_REQUEST');
    assert.equal(shown.message, 'provided sha does not match query');
  });

  it("graphql-js's token limit is shown as OPERATION_LIMIT_EXCEEDED naming tokens", async () => {
    const shown = format(await apollo.only({ query: `{ ${'hello '.repeat(MAX_TOKENS)}}` }), true);
    assert.deepEqual(shown.extensions, { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'tokens', max: MAX_TOKENS });
    assert.equal(shown.message, `The document has more than ${MAX_TOKENS} tokens.`);
  });

  it("a validation rule's refusal is shown with its own code and details, not GRAPHQL_VALIDATION_FAILED", async () => {
    const shown = format(await apollo.only({ query: '{ deep }' }), true);
    assert.deepEqual(shown.extensions, { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'depth', max: 1, found: 2 });
  });

  it('a stack trace never leaves the process in production, and stays outside it', () => {
    const error = new ServiceUnavailableError('posts');
    const formatted = { ...error.toJSON(), extensions: { ...error.extensions, stacktrace: ['Error: x', '    at secret.ts:1'] } };
    assert.equal(formatGatewayError(formatted, error, true).extensions?.stacktrace, undefined);
    assert.deepEqual(formatGatewayError(formatted, error, false).extensions?.stacktrace, ['Error: x', '    at secret.ts:1']);
  });
});

describe('formatGatewayError never throws', () => {
  const trap = () => {
    throw new Error(SECRET);
  };
  const hostileProxy = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap, getOwnPropertyDescriptor: trap });
  const circular: Record<string, unknown> = { code: 'NOT_FOUND' };
  circular.self = circular;
  const withThrowingGetter = (key: string) => Object.defineProperty(new GraphQLError('x'), key, { get: trap });

  const formattedInputs: [string, unknown][] = [
    ['an ordinary formatted error', { message: 'ok', extensions: { code: 'NOT_FOUND' } }],
    ["a bug's message naming a secret", { message: SECRET, extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    ['null', null],
    ['a proxy whose every trap throws', hostileProxy],
    ['a message getter that throws', Object.defineProperty({}, 'message', { get: trap, enumerable: true })],
    ['extensions that are a proxy', { message: 'x', extensions: hostileProxy }],
    ['circular extensions', { message: 'x', extensions: circular }],
    ['a BigInt in extensions', { message: 'x', extensions: { code: 'NOT_FOUND', n: 10n } }],
    ['a message that is an object', { message: { toString: trap } }],
    ['locations that are not an array', { message: 'x', locations: 'line 1' }],
  ];
  const errorInputs: [string, unknown][] = [
    ['nothing', undefined],
    ['null', null],
    ['a string', SECRET],
    ['a proxy whose every trap throws', hostileProxy],
    ['a GraphQLError whose extensions getter throws', withThrowingGetter('extensions')],
    ['a GraphQLError whose originalError getter throws', withThrowingGetter('originalError')],
    [
      'a gateway error with circular extensions',
      (() => {
        const error = new ServiceUnavailableError('posts');
        error.extensions.self = error.extensions;
        return error;
      })(),
    ],
    ['a GraphQLError with a BigInt extension', new GraphQLError('x', { extensions: { code: 'FORBIDDEN', n: 1n } })],
    ['an Error whose message is a secret', new Error(SECRET)],
  ];

  for (const [formattedName, formatted] of formattedInputs) {
    it(`formatted ${formattedName}, with each hostile error, in production or not: a public code, an answer that can be written, no secret in production`, () => {
      for (const production of [true, false]) {
        for (const [errorName, error] of errorInputs) {
          const label = `${production ? 'production' : 'development'}, error ${errorName}`;
          const shown = formatGatewayError(formatted as GraphQLFormattedError, error, production);
          const written = JSON.stringify(shown);
          assert.equal(typeof shown.message, 'string', label);
          assert.ok(PUBLIC_CODES.has(shown.extensions?.code as string), `${label}: a public code, not ${String(shown.extensions?.code)}`);
          if (production) assert.doesNotMatch(written, /hunter2/, label);
        }
      }
    });
  }
});

describe('the error log follows the mask', () => {
  let apollo: CapturingApollo;
  before(async () => {
    apollo = await startCapturingApollo();
  });
  after(() => apollo.stop());

  it('logs as internal exactly the errors production masks, and warns of SERVICE_UNAVAILABLE', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createGatewayLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const hooks = await errorLoggingPlugin(logger).requestDidStart!({} as never);

    const samples: GraphQLError[] = [];
    for (const query of ['{ bug }', '{ nonNull }', '{ missing }', '{ hello', '{ nope }', '{ deep }', `{ ${'hello '.repeat(MAX_TOKENS)}}`]) {
      for (const { error } of await apollo.run({ query })) samples.push(error as GraphQLError);
    }
    samples.push(new ServiceUnavailableError('posts'), new GraphQLError('x', { extensions: { code: 'DOWNSTREAM_SQL_ERROR' } }));

    const masked = samples.filter((error) => formatGatewayError(error.toJSON(), error, true).message === MASKED_MESSAGE).map((error) => error.message);
    await hooks!.didEncounterErrors!({ errors: samples, operationName: 'Q', request: {} } as unknown as GraphQLRequestContextDidEncounterErrors<never>);
    const loggedInternal = lines.filter((line) => line.msg === 'internal error in a GraphQL request').map((line) => (line.err as { message: string }).message);

    assert.equal(masked.length, 3, 'the bug, the non-null violation and the unknown code');
    assert.deepEqual(loggedInternal.sort(), masked.sort());
    assert.deepEqual(
      lines.filter((line) => line.level === 40).map((line) => line.msg),
      ['The posts service is unavailable; try again shortly.'],
    );
  });
});
