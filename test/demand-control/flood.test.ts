import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphql, type GraphQLResponse } from '../support/graphql.js';
import { MOST_EXPENSIVE_ALLOWED } from '../support/hostile-requests.js';
import { startStack, type TestStack } from '../support/stack.js';
import { route, scrape } from '../overload/support.js';

/** Concurrent anonymous loops: more than MAX_IN_FLIGHT_PER_CLIENT (16), and more than MAX_COST_IN_FLIGHT allows of this query (10). */
const FLOODERS = 24;
/** Requests each flooder sends, whatever it is answered: the flood is bound by count, not by time. */
const REQUESTS_PER_FLOODER = 5;
/** The normal client keeps going while the flood lasts, and sends at least this many queries in all. */
const MIN_NORMAL_QUERIES = 5;

const NORMAL_QUERY = '{ user(id: "usr_1") { id username followersCount } }';

/** Every answer a flooder may get: served, shed (503) or rate limited (429). */
const FLOOD_ANSWERS = new Set(['200', '503 SERVICE_UNAVAILABLE', '429 RATE_LIMITED']);

/** `status code`, or the status alone for an answer without errors, e.g. `503 SERVICE_UNAVAILABLE`. */
function answerKey(response: GraphQLResponse): string {
  const code = response.errors?.[0]?.extensions?.code;
  return response.status === 200 || code === undefined ? String(response.status) : `${response.status} ${code}`;
}

const count = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** The status of the gateway's `/healthz`, its body read so that the connection is free again. */
async function healthz(stack: TestStack): Promise<number> {
  const response = await fetch(route(stack, '/healthz'));
  await response.body?.cancel();
  return response.status;
}

describe('a flood of the most expensive allowed query, with the cost budget out of reach', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack({
      env: {
        // Out of reach, so that the cost budget refuses nothing: overload
        // protection and its per-client share alone must hold the flood.
        RATE_LIMIT_COST_ANONYMOUS: '999999999/1',
        RATE_LIMIT_COST_SIGNED_IN: '999999999/1',
        // Every profile read fans out, as a cold cache does.
        PROFILE_CACHE_TTL_SECONDS: '0',
      },
    });
  });
  after(() => stack?.stop());

  it('a signed-in client is served throughout while one address floods, the flood is only served, shed or limited, and nothing stays in flight', async (t) => {
    const token = await stack.signToken({ sub: 'usr_5', roles: ['user'], scope: 'read write' });
    const flood = new Map<string, number>();
    const shedReasons = new Map<string, number>();
    const floodErrors = new Map<string, number>();
    let flooding = true;

    const flooders = Array.from({ length: FLOODERS }, async () => {
      for (let i = 0; i < REQUESTS_PER_FLOODER; i++) {
        const response = await graphql(stack.url, MOST_EXPENSIVE_ALLOWED);
        count(flood, answerKey(response));
        if (response.status === 503) count(shedReasons, String(response.errors?.[0]?.extensions?.reason));
        if (response.status === 200) for (const error of response.errors ?? []) count(floodErrors, String(error.extensions?.code));
      }
    });
    const floodDone = Promise.all(flooders).finally(() => (flooding = false));

    const normal: GraphQLResponse<{ user: { id: string } }>[] = [];
    const normalMs: number[] = [];
    const normalClient = (async () => {
      while (flooding || normal.length < MIN_NORMAL_QUERIES) {
        const startedAt = performance.now();
        normal.push(await graphql<{ user: { id: string } }>(stack.url, NORMAL_QUERY, { token }));
        normalMs.push(performance.now() - startedAt);
      }
    })();

    const health: number[] = [];
    const healthChecks = (async () => {
      while (flooding) health.push(await healthz(stack));
    })();

    await Promise.all([floodDone, normalClient, healthChecks]);
    t.diagnostic(`flood answers: ${JSON.stringify(Object.fromEntries(flood))}, shed by reason: ${JSON.stringify(Object.fromEntries(shedReasons))}`);
    t.diagnostic(`errors in the flood's 200s: ${JSON.stringify(Object.fromEntries(floodErrors))}`);
    const slowest = Math.max(...normalMs).toFixed(0);
    t.diagnostic(`normal client: ${normal.length} queries, the slowest in ${slowest} ms; /healthz: ${health.length} checks`);

    const failed = normal.filter((response) => response.status !== 200 || response.errors !== undefined || response.data?.user.id !== 'usr_1');
    assert.deepEqual(
      failed.map((response) => ({ status: response.status, errors: response.errors })),
      [],
      `the normal client failed ${failed.length} of ${normal.length} queries`,
    );
    assert.deepEqual(
      [...flood.keys()].filter((key) => !FLOOD_ANSWERS.has(key)),
      [],
      `unexpected answers to the flood: ${JSON.stringify(Object.fromEntries(flood))}`,
    );
    assert.equal([...flood.values()].reduce((sum, n) => sum + n, 0), FLOODERS * REQUESTS_PER_FLOODER);
    assert.ok((flood.get('200') ?? 0) > 0, 'some of the flood was served');
    // 24 loops from one address start together: past ten of these at once, the replica's cost in
    // flight is full (50,000), and past sixteen the address's share of requests is.
    const shedByShare = (shedReasons.get('cost-in-flight') ?? 0) + (shedReasons.get('client-in-flight') ?? 0);
    assert.ok(shedByShare > 0, 'overload protection shed some of the flood');
    assert.ok(health.length > 0 && health.every((status) => status === 200), `/healthz answered ${JSON.stringify(health)}`);
    assert.equal(await healthz(stack), 200);
    // Exactly 0: every admitted request, served or shed, was released once, and its cost given back.
    const metrics = await scrape(stack);
    assert.equal(metrics.get('gateway_requests_in_flight'), 0);
    assert.equal(metrics.get('gateway_cost_in_flight'), 0);
  });
});
