import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
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

  it('a malformed setting is refused with its name', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadConfig({ RPC_TIMEOUT_MS: '0' }), /RPC_TIMEOUT_MS/);
  });
});
