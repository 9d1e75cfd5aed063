import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { buildSchema } from '../../src/schema.js';
import { graphql } from '../support/graphql.js';
import { problemsWith, randomRequests, send, summary, type Tokens } from '../support/random-documents.js';
import { PRODUCTION_ENV, startStack, type TestStack } from '../support/stack.js';

/**
 * Random documents, variables and bodies against the real gateway over HTTP:
 * whatever a client sends, the answer is data or clean GraphQL errors with a
 * public code, never a 5xx (other than load shedding), a hang or a crash.
 *
 * `PROPERTY_RUNS` sets the requests per gateway (300); a failure prints
 * fast-check's seed and path, which `PROPERTY_SEED` and `PROPERTY_PATH` replay.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
const PATH = process.env.PROPERTY_PATH;

/** Long enough for the slowest allowed request on a busy machine; a request that takes longer hangs. */
const HANG_MS = 10_000;

/** Most requests should reach the gateway's pipeline, not the rate limiter. */
const GENEROUS_LIMITS: NodeJS.ProcessEnv = {
  RATE_LIMIT_ANONYMOUS: '1000000/60',
  RATE_LIMIT_SIGNED_IN: '1000000/60',
  RATE_LIMIT_COST_ANONYMOUS: '100000000/60',
  RATE_LIMIT_COST_SIGNED_IN: '100000000/60',
  RATE_LIMIT_LOGIN: '1000000/60',
};

// Outside production errors keep their messages and introspection is on; in
// production unknown errors are masked and schema details hidden. With tight
// execution budgets, random documents are cut off while they run (RPCs, list
// items, answer size), which they seldom are under the defaults.
const MODES = [
  { name: 'NODE_ENV=test', env: GENEROUS_LIMITS },
  { name: 'NODE_ENV=production', env: { ...PRODUCTION_ENV, ...GENEROUS_LIMITS, LOG_LEVEL: 'silent' } },
  {
    name: 'tight execution budgets (3 RPCs, 40 list items, 4,000-byte answers)',
    env: { ...GENEROUS_LIMITS, MAX_RPCS_PER_REQUEST: '3', MAX_ITEMS_PER_REQUEST: '40', MAX_RESPONSE_BYTES: '4000' },
  },
] as const;

for (const mode of MODES) {
  describe(`random documents, variables and bodies against the real HTTP gateway, ${mode.name}`, () => {
    let stack: TestStack;
    let tokens: Tokens;

    before(async () => {
      stack = await startStack({ env: mode.env });
      tokens = {
        valid: await stack.signToken({ sub: 'usr_2', roles: ['user'], scope: 'read write' }),
        readOnly: await stack.signToken({ sub: 'usr_3', roles: ['user'], scope: 'read' }),
        unknownAccount: await stack.signToken({ sub: 'usr_999999', roles: ['user'], scope: 'read write' }),
      };
    });
    after(() => stack.stop());

    it('answers every request with data or clean GraphQL errors under a public code: never a 500, a hang or a stack trace', async (t) => {
      /** How many answers had each status, data and first code: what the run covered. */
      const tally = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(randomRequests(buildSchema()), async (request) => {
          const answer = await send(stack.url, request, tokens, HANG_MS);
          const key = `${answer.status} ${summary(answer.text)}`;
          tally.set(key, (tally.get(key) ?? 0) + 1);
          assert.deepEqual(problemsWith(request, answer), [], `the answer ${answer.status} ${answer.text.slice(0, 2_000)}`);
        }),
        { numRuns: RUNS, seed: SEED, path: PATH },
      );
      const lines = [...tally].sort(([, a], [, b]) => b - a).map(([key, count]) => `${String(count).padStart(5)}  ${key}`);
      t.diagnostic(`answers by status, data and first error code:\n${lines.join('\n')}`);
    });

    it('is still healthy afterwards: /healthz answers 200 and an ordinary query gets its data', async () => {
      const health = await fetch(`${stack.adminUrl}/healthz`, { signal: AbortSignal.timeout(HANG_MS) });
      assert.equal(health.status, 200);
      const response = await graphql<{ user: { id: string; username: string } }>(stack.url, '{ user(id: "usr_1") { id username } }');
      assert.equal(response.status, 200);
      assert.equal(response.errors, undefined);
      assert.equal(response.data?.user.id, 'usr_1');
    });
  });
}
