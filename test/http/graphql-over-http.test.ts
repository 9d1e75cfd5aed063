import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serverAudits, type AuditResult } from 'graphql-http';
import { errorCodes, graphql } from '../support/graphql.js';
import { nestedFollowers } from '../support/hostile-requests.js';
import { startStack, type TestStack } from '../support/stack.js';

const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

/**
 * Apollo Server's CSRF prevention refuses a GET that carries neither a
 * non-simple Content-Type nor `apollo-require-preflight` / `x-apollo-operation-name`,
 * since a browser sends such a GET cross-site without a preflight; these
 * audits send a bare GET. A deliberate security choice, documented in the README.
 */
const CSRF_PREVENTION = 'CSRF prevention: a GET must carry apollo-require-preflight or x-apollo-operation-name';

/** The audits the gateway is expected not to pass, by audit id, with the status they get and why. */
const EXPECTED_NON_PASSES: ReadonlyMap<string, { name: string; status: AuditResult['status']; why: string }> = new Map([
  ['5A70', { name: 'MAY accept application/x-www-form-urlencoded formatted GET requests', status: 'notice', why: CSRF_PREVENTION }],
  [
    'D6D5',
    {
      name: 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
      status: 'notice',
      why: CSRF_PREVENTION,
    },
  ],
  [
    '6A70',
    {
      name: 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
      status: 'notice',
      why: CSRF_PREVENTION,
    },
  ],
]);

describe('GraphQL over HTTP audit (graphql-http)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  // The URL is read when each audit runs, once the stack has started.
  const audits = serverAudits({ url: () => stack.url, fetchFn: fetch });

  it('every expected non-pass names an audit that exists, under the same name', () => {
    const names = new Map(audits.map((audit) => [audit.id, audit.name]));
    for (const [id, expected] of EXPECTED_NON_PASSES) assert.equal(names.get(id), expected.name, `audit ${id}`);
  });

  for (const audit of audits) {
    const expected = EXPECTED_NON_PASSES.get(audit.id);
    it(audit.name, async () => {
      const result = await audit.fn();
      if (!expected) {
        assert.equal(result.status, 'ok', result.status === 'ok' ? undefined : `${result.status}: ${result.reason}`);
        return;
      }
      if (result.status === 'ok') assert.fail(`${audit.id} passes now; take it out of EXPECTED_NON_PASSES (${expected.why})`);
      assert.equal(result.status, expected.status, result.reason);
      // The refusal is CSRF prevention's, not some other failure that happens to fail the same audit.
      const body = (await result.response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
      assert.equal(result.response.status, 400);
      assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
      assert.match(body.errors?.[0]?.message ?? '', /Cross-Site Request Forgery/);
    });
  }
});

describe('status codes per response media type', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  const requestErrors = [
    { kind: 'a document that does not parse', query: '{ user(id: "usr_1") {', code: 'GRAPHQL_PARSE_FAILED' },
    { kind: 'a document that does not validate', query: '{ noSuchField }', code: 'GRAPHQL_VALIDATION_FAILED' },
    {
      kind: 'variables that do not coerce',
      query: 'query($id: ID!) { user(id: $id) { id } }',
      variables: { id: { not: 'an id' } },
      code: 'BAD_USER_INPUT',
    },
  ];
  for (const { kind, query, variables, code } of requestErrors) {
    it(`${kind} is ${code}, HTTP 200 under application/json and 400 under application/graphql-response+json, and nothing runs`, async () => {
      const calls = stack.totalCalls();
      for (const [accept, status] of [
        [JSON_TYPE, 200],
        [GRAPHQL_RESPONSE_TYPE, 400],
      ] as const) {
        const response = await graphql(stack.url, query, { variables, headers: { accept } });
        assert.equal(response.status, status, accept);
        assert.equal(response.headers.get('content-type'), `${accept}; charset=utf-8`);
        assert.deepEqual(errorCodes(response), [code]);
        assert.equal('data' in response, false, 'a request error has no data entry');
      }
      assert.equal(stack.totalCalls(), calls);
    });
  }

  it('a request error without an Accept header is answered as application/json, with 200', async () => {
    const response = await graphql(stack.url, '{ noSuchField }');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), `${JSON_TYPE}; charset=utf-8`);
    assert.deepEqual(errorCodes(response), ['GRAPHQL_VALIDATION_FAILED']);
  });

  it('a field error (NOT_FOUND, data null) is HTTP 200 under both media types', async () => {
    for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE_TYPE]) {
      const response = await graphql(stack.url, '{ profile(userId: "usr_nope") { user { id } } }', { headers: { accept } });
      assert.equal(response.status, 200, accept);
      assert.equal(response.headers.get('content-type'), `${accept}; charset=utf-8`);
      assert.deepEqual(errorCodes(response), ['NOT_FOUND']);
      assert.equal(response.data, null);
    }
  });

  it('a token that does not verify is HTTP 401 UNAUTHENTICATED under both media types', async () => {
    const token = await stack.signToken({ sub: 'usr_1' });
    for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE_TYPE]) {
      const response = await graphql(stack.url, '{ user(id: "usr_1") { id } }', { token: `${token.slice(0, -4)}AAAA`, headers: { accept } });
      assert.equal(response.status, 401, accept);
      assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
    }
  });

  it('a mutation over GET is HTTP 405 allowing POST under both media types, and does not run', async () => {
    const calls = stack.totalCalls();
    for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE_TYPE]) {
      const url = new URL(stack.url);
      url.searchParams.set('query', 'mutation { logout(refreshToken: "rt_nope") }');
      // The header gets the GET past CSRF prevention, so that the method is what is refused.
      const response = await fetch(url, { headers: { accept, 'apollo-require-preflight': 'true' } });
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(response.status, 405, accept);
      assert.equal(response.headers.get('allow'), 'POST');
      assert.equal(body.errors[0]?.extensions.code, 'BAD_REQUEST');
    }
    assert.equal(stack.totalCalls(), calls);
  });

  it('the gateway’s own refusals of a document are request errors too: 200 under application/json, 400 under application/graphql-response+json', async () => {
    const refusals = [
      { query: `{ user(id: "usr_1") { ${nestedFollowers(2)} } }`, code: 'OPERATION_TOO_EXPENSIVE' },
      { query: `{ user(id: "usr_1") { ${nestedFollowers(4)} } }`, code: 'OPERATION_LIMIT_EXCEEDED' },
      { query: `{ ${'me '.repeat(1_500)}}`, code: 'OPERATION_LIMIT_EXCEEDED' },
    ];
    for (const { query, code } of refusals) {
      for (const [accept, status] of [
        [JSON_TYPE, 200],
        [GRAPHQL_RESPONSE_TYPE, 400],
      ] as const) {
        const response = await graphql(stack.url, query, { headers: { accept } });
        assert.equal(response.status, status, `${code} under ${accept}`);
        assert.deepEqual(errorCodes(response), [code]);
      }
    }
  });

  it('a spent cost budget keeps HTTP 429 and Retry-After under both media types', async () => {
    const budgeted = await stack.startGateway({ RATE_LIMIT_COST_ANONYMOUS: '150/60' });
    // Cost 102: the second one is over the budget.
    const query = '{ user(id: "usr_1") { id followers(first: 50) { edges { node { id } } } } }';
    await graphql(budgeted.url, query);
    for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE_TYPE]) {
      const response = await graphql(budgeted.url, query, { headers: { accept } });
      assert.equal(response.status, 429, accept);
      assert.ok(Number(response.headers.get('retry-after')) > 0);
      assert.deepEqual(errorCodes(response), ['RATE_LIMITED']);
    }
  });

  it('a POST that accepts neither JSON type is answered 406 before it runs, so a mutation changes nothing', async () => {
    const token = await stack.signToken({ sub: 'usr_7', roles: ['user'], scope: 'read write' });
    const calls = stack.totalCalls();
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': JSON_TYPE, accept: 'text/html', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { follow(userId: "usr_8") { id } }' }),
    });
    assert.equal(response.status, 406);
    assert.equal(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, 'BAD_REQUEST');
    assert.equal(stack.totalCalls(), calls);
  });

  it('a body that is not JSON stays a 400 under both media types: it is not a well-formed request', async () => {
    for (const accept of [JSON_TYPE, GRAPHQL_RESPONSE_TYPE]) {
      const response = await fetch(stack.url, { method: 'POST', headers: { 'content-type': JSON_TYPE, accept }, body: '{nope' });
      await response.body?.cancel();
      assert.equal(response.status, 400, accept);
    }
  });
});
