import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { PRODUCTION_ENV, startStack, type TestStack } from '../support/stack.js';

const INTROSPECTION = `{ __schema { queryType { name } } }`;

async function landingPage(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers: { accept: 'text/html' } });
  return { status: response.status, body: await response.text() };
}

describe('in development', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  it('register with every field invalid: one BAD_USER_INPUT whose extensions.fields lists each field, and no RPC sent', async () => {
    const registersBefore = stack.callsByMethod()['auth.Register'] ?? 0;
    const response = await graphql(
      stack.url,
      `mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`,
      { variables: { input: { username: 'x', email: 'not an address', password: 'short', displayName: '   ' } } },
    );
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
    const [error] = response.errors!;
    const fields = error!.extensions?.fields as { field: string; message: string }[];
    assert.deepEqual(
      fields.map((violation) => violation.field),
      ['input.username', 'input.email', 'input.password', 'input.displayName'],
    );
    for (const violation of fields) {
      assert.ok(violation.message.length > 0 && !violation.message.startsWith('input.'), `a message to show beside ${violation.field}`);
      assert.ok(error!.message.includes(`${violation.field}: ${violation.message}`), error!.message);
    }
    // The first, where clients read it before extensions.fields existed.
    assert.equal(error!.extensions?.field, 'input.username');
    assert.equal(stack.callsByMethod()['auth.Register'] ?? 0, registersBefore, 'no account was asked for');
  });

  it('a single invalid field is listed alone, with the message it always had', async () => {
    const response = await graphql(stack.url, `{ feed(first: 500) { edges { cursor } } }`, { token: await stack.login('user1@example.com') });
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
    const [error] = response.errors!;
    assert.equal(error!.extensions?.field, 'first');
    assert.deepEqual(
      (error!.extensions?.fields as { field: string }[]).map((violation) => violation.field),
      ['first'],
    );
    assert.match(error!.message, /^first: /);
  });

  it('a cursor the service cannot read is named as the argument `after`, never as the proto field page_token', async () => {
    const token = await stack.login('user1@example.com');
    // Well-formed text the gateway lets through, but no cursor a service issued.
    const bogus = Buffer.from('not a cursor').toString('base64url');
    const queries = {
      'feed (ListFeed)': `{ feed(first: 5, after: "${bogus}") { edges { cursor } } }`,
      'User.posts (a batch of pages)': `{ user(id: "usr_2") { posts(first: 5, after: "${bogus}") { edges { cursor } } } }`,
      'User.followers (a batch of pages)': `{ user(id: "usr_2") { followers(first: 5, after: "${bogus}") { edges { cursor } } } }`,
      notifications: `{ notifications(first: 5, after: "${bogus}") { edges { cursor } } }`,
    };
    for (const [what, query] of Object.entries(queries)) {
      const response = await graphql(stack.url, query, { token });
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT'], what);
      const [error] = response.errors!;
      assert.equal(error!.extensions?.field, 'after', what);
      assert.deepEqual(error!.extensions?.fields, [{ field: 'after', message: 'is not a valid cursor' }], what);
      assert.equal(error!.message, 'after: is not a valid cursor', what);
    }
  });

  it('UNAUTHENTICATED says why in extensions.reason: SIGN_IN_REQUIRED without a token, CREDENTIALS_REJECTED for a wrong password', async () => {
    const anonymous = await graphql(stack.url, `{ me { id } }`);
    assert.deepEqual(errorCodes(anonymous), ['UNAUTHENTICATED']);
    assert.equal(anonymous.errors?.[0]?.extensions?.reason, 'SIGN_IN_REQUIRED');
    const wrong = await graphql(stack.url, `mutation { login(input: { email: "user1@example.com", password: "not the password" }) { accessToken } }`);
    assert.deepEqual(errorCodes(wrong), ['UNAUTHENTICATED']);
    assert.equal(wrong.errors?.[0]?.extensions?.reason, 'CREDENTIALS_REJECTED');
  });

  it('serves the Apollo Sandbox landing page and answers introspection', async () => {
    const page = await landingPage(stack.url);
    assert.equal(page.status, 200);
    assert.match(page.body, /sandbox/i);
    const response = await graphql<{ __schema: { queryType: { name: string } } }>(stack.url, INTROSPECTION);
    assert.equal(response.data?.__schema.queryType.name, 'Query');
  });
});

describe('in production', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ env: PRODUCTION_ENV });
  });
  after(() => stack.stop());

  it('serves no landing page and refuses introspection', async () => {
    const page = await landingPage(stack.url);
    assert.doesNotMatch(page.body, /sandbox/i);
    const response = await graphql(stack.url, INTROSPECTION);
    assert.deepEqual(errorCodes(response), ['GRAPHQL_VALIDATION_FAILED']);
  });

  it('a browser opening /graphql gets a page saying the explorer is off (404), not a CSRF error; JSON clients keep their answers', async () => {
    const browser = await fetch(stack.url, {
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    assert.equal(browser.status, 404);
    assert.match(browser.headers.get('content-type') ?? '', /^text\/html/);
    const page = await browser.text();
    assert.match(page, /explorer is off in production/);
    assert.doesNotMatch(page, /csrf|apollo-require-preflight/i);

    // A GraphQL client's bare GET is still refused by CSRF prevention, in JSON, as before.
    const client = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
    assert.equal(client.status, 400);
    const body = (await client.json()) as { errors: { extensions: { code: string } }[] };
    assert.deepEqual(body.errors.map((error) => error.extensions.code), ['BAD_REQUEST']);
    // And a GET it may send runs.
    const allowed = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    assert.deepEqual(await allowed.json(), { data: { __typename: 'Query' } });
  });

  it('does not hint at field names in validation errors', async () => {
    const response = await graphql(stack.url, `{ usr(id: "usr_1") { id } }`);
    assert.deepEqual(errorCodes(response), ['GRAPHQL_VALIDATION_FAILED']);
    assert.doesNotMatch(response.errors?.[0]?.message ?? '', /did you mean/i);
  });

  it('still answers queries with tokens signed by the production secret', async () => {
    const token = await stack.login('user1@example.com');
    const response = await graphql<{ me: { id: string } }>(stack.url, `{ me { id } }`, { token });
    assert.equal(response.data?.me.id, 'usr_1');
  });
});

describe('configuration', () => {
  it('production refuses to start with the development JWT secret', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_SECRET/);
  });

  it('JWT_ALG=ES256 or RS256 without JWKS_URL refuses to start, saying to set JWKS_URL', () => {
    for (const algorithm of ['ES256', 'RS256']) {
      assert.throws(
        () => loadConfig({ JWT_ALG: algorithm }),
        (error: unknown) => error instanceof ConfigError && error.message.includes(`JWT_ALG=${algorithm}`) && /Set JWKS_URL/.test(error.message),
      );
      assert.equal(loadConfig({ JWT_ALG: algorithm, JWKS_URL: 'http://127.0.0.1:50057/.well-known/jwks.json' }).tokenKeys.kind, 'jwks');
    }
  });

  it('JWT_ALG=HS256 with JWKS_URL refuses to start; JWKS_URL alone (an external identity provider) starts', () => {
    assert.throws(() => loadConfig({ JWT_ALG: 'HS256', JWKS_URL: 'https://id.example/jwks.json' }), (error: unknown) => error instanceof ConfigError && /Unset JWKS_URL/.test(error.message));
    assert.equal(loadConfig({ JWKS_URL: 'https://id.example/jwks.json' }).tokenKeys.kind, 'jwks');
  });

  it('a malformed setting is refused with its name', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadConfig({ RPC_TIMEOUT_MS: '0' }), /RPC_TIMEOUT_MS/);
    assert.throws(() => loadConfig({ GRPC_CHANNELS_PER_SERVICE: '0' }), /GRPC_CHANNELS_PER_SERVICE/);
    assert.equal(loadConfig({}).grpcChannelsPerService, 2);
    assert.equal(loadConfig({ GRPC_CHANNELS_PER_SERVICE: '1' }).grpcChannelsPerService, 1);
  });
});
