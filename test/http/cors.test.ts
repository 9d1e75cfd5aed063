import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { PRODUCTION_ENV, startStack, type TestStack } from '../support/stack.js';

const APP_ORIGIN = 'http://127.0.0.1:5173';

/** What a browser sends before a cross-origin POST with a bearer token and a JSON body. */
function preflight(url: string, origin: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
}

describe('CORS for a web client on another origin', () => {
  let stack: TestStack;
  let production: Gateway;

  before(async () => {
    // One request a minute per anonymous client, to see a 429 at once.
    stack = await startStack({ env: { RATE_LIMIT_ANONYMOUS: '1/60' } });
    production = await stack.startGateway({ ...PRODUCTION_ENV, CORS_ORIGINS: APP_ORIGIN, RATE_LIMIT_ANONYMOUS: '1000/60' });
  });
  after(() => stack?.stop());

  it('outside production, a preflight from any origin may send Authorization and Content-Type, and is cached for ten minutes', async () => {
    const response = await preflight(stack.url, APP_ORIGIN);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.deepEqual(response.headers.get('access-control-allow-headers')?.split(','), ['authorization', 'content-type']);
    assert.equal(response.headers.get('access-control-max-age'), '600');
  });

  it('a page can read when to retry a 429: Retry-After and the RateLimit headers are exposed', async () => {
    const send = () => fetch(stack.url, { method: 'POST', headers: { origin: APP_ORIGIN, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    await (await send()).body?.cancel();
    const limited = await send();
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal(limited.headers.get('access-control-allow-origin'), '*');
    const exposed = limited.headers.get('access-control-expose-headers')?.split(',') ?? [];
    for (const header of ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy']) assert.ok(exposed.includes(header), header);
    const body = (await limited.json()) as { errors: { extensions: { code: string; retryAfter: number } }[] };
    assert.equal(body.errors[0]!.extensions.code, 'RATE_LIMITED');
    assert.equal(body.errors[0]!.extensions.retryAfter, Number(limited.headers.get('retry-after')));
  });

  it('in production, only the origins of CORS_ORIGINS are allowed', async () => {
    const allowed = await preflight(production.url, APP_ORIGIN);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), APP_ORIGIN);
    const other = await preflight(production.url, 'https://elsewhere.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
