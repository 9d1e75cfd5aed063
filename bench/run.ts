/**
 * `npm run bench`: load-tests the gateway with three fixed GraphQL requests and
 * prints, for each, throughput, latency, errors and how many RPCs the gateway
 * sent upstream per request.
 *
 * It builds when needed and starts its own stack (six services and the
 * gateway) on free ports, so it runs beside `npm start`, and stops it at the end.
 *
 *   npm run bench                                   # table
 *   npm run bench -- --json > before.json           # machine-readable
 *   npm run bench -- --compare before.json          # side by side with a saved run
 *   npm run bench -- -c 50 -d 30 -s feed-50         # 50 connections, 30 s, one scenario
 *
 * Options (environment variable in brackets):
 *   -c, --connections <n>   concurrent connections [BENCH_CONNECTIONS] (default 10)
 *   -d, --duration <s>      measured seconds per scenario [BENCH_DURATION] (default 10)
 *   -w, --warmup <s>        unmeasured seconds before each scenario [BENCH_WARMUP] (default 2)
 *   -s, --scenario <name>   run only this scenario (repeatable): user, feed-50, profile, profile-cold
 *       --json              print the results as JSON on stdout (the table goes to stderr)
 *       --compare <file>    print the results next to those of an earlier `--json` run
 *
 * `profile` runs with the profile cache warm (every request after the first is
 * a hit); `profile-cold` sends the same request to a second gateway whose
 * profile cache is off (PROFILE_CACHE_TTL_SECONDS=0), so every request fans out
 * to the services as a miss does. The two are printed side by side. Both use
 * REDIS_URL when it is set, the in-memory stand-ins otherwise. Rate limits are
 * set too high to refuse the load (unless RATE_LIMIT_* say otherwise), so that
 * each request still pays for its limit check.
 *
 * Children log at `warn` unless LOG_LEVEL says otherwise; their last lines are
 * shown if one of them fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import {
  LocalStack,
  StackError,
  buildIfNeeded,
  freePort,
  loadDemoLogin,
  loadServices,
  type ChildFailure,
} from '../scripts/stack.mjs';

/** One fixed request, sent over and over. */
interface Scenario {
  name: string;
  query: string;
  /** Sent with the demo user's access token. */
  signedIn: boolean;
  /** Sent to a gateway whose profile cache is off: every profile read fans out, as a cold cache does. */
  cacheOff?: boolean;
}

const PROFILE_QUERY =
  'query { profile(userId: "usr_7") { user { id username } followersCount followingCount recentPosts { id title likesCount } recommendations { id username } } }';

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'user',
    signedIn: false,
    query: 'query { user(id: "usr_42") { id username displayName followersCount followingCount } }',
  },
  {
    name: 'feed-50',
    signedIn: true,
    query:
      'query { feed(first: 50) { edges { node { id title likesCount likedByViewer author { id username followersCount } } } } }',
  },
  { name: 'profile', signedIn: false, query: PROFILE_QUERY },
  { name: 'profile-cold', signedIn: false, query: PROFILE_QUERY, cacheOff: true },
];

interface Settings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

/** What one scenario measured. */
interface ScenarioResult {
  scenario: string;
  /** Responses received during the measured run. */
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** `non2xx + transportErrors + graphqlErrors`. */
  errors: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  transportErrors: number;
  /** 2xx responses whose body carries GraphQL `errors`. */
  graphqlErrors: number;
  /** Growth of `gateway_grpc_client_calls_total` per request sent; null without that metric. */
  rpcsPerRequest: number | null;
}

/** The `--json` output, and what `--compare` reads back. */
interface BenchReport {
  version: 1;
  date: string;
  /** `git rev-parse --short HEAD`, with `+dirty` when the tree has changes. */
  commit: string | null;
  node: string;
  settings: Settings;
  results: ScenarioResult[];
}

const USAGE = 'usage: npm run bench -- [-c connections] [-d seconds] [-w seconds] [-s scenario]... [--json] [--compare file.json]';

function readOptions() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', short: 'c', default: process.env.BENCH_CONNECTIONS ?? '10' },
      duration: { type: 'string', short: 'd', default: process.env.BENCH_DURATION ?? '10' },
      warmup: { type: 'string', short: 'w', default: process.env.BENCH_WARMUP ?? '2' },
      scenario: { type: 'string', short: 's', multiple: true },
      json: { type: 'boolean', default: false },
      compare: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const settings: Settings = {
    connections: wholeNumber('connections', values.connections, 1),
    durationSeconds: wholeNumber('duration', values.duration, 1),
    warmupSeconds: wholeNumber('warmup', values.warmup, 0),
  };
  const names = values.scenario ?? SCENARIOS.map((scenario) => scenario.name);
  const unknown = names.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length > 0) throw new StackError(`Unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}.`);
  const baseline = values.compare === undefined ? null : (JSON.parse(readFileSync(values.compare, 'utf8')) as BenchReport);
  return { settings, scenarios: SCENARIOS.filter((scenario) => names.includes(scenario.name)), json: values.json, baseline };
}

function wholeNumber(option: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new StackError(`--${option} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}.`);
  return value;
}

/** Progress and tables go to stderr under `--json`, so that stdout stays parseable. */
let out = (line: string) => console.log(line);
const progress = (line: string) => console.error(line);

async function main(): Promise<void> {
  const options = readOptions();
  if (options.json) out = progress;
  buildIfNeeded({ outputFd: 2 });

  // Fresh ports, so that this stack cannot meet one started by `npm start`.
  const taken = new Set<number>();
  const port = async (): Promise<number> => {
    for (;;) {
      const candidate = await freePort();
      if (taken.has(candidate)) continue;
      taken.add(candidate);
      return candidate;
    }
  };
  const services = [];
  for (const service of await loadServices({})) services.push({ ...service, address: `127.0.0.1:${await port()}` });
  // Limits high enough never to refuse the load, so that every request still
  // pays for its limit check as in production; RATE_LIMIT_* in the environment win.
  const unreachable = `${100_000_000}/60`;
  const env = {
    RATE_LIMIT_ANONYMOUS: unreachable,
    RATE_LIMIT_SIGNED_IN: unreachable,
    RATE_LIMIT_LOGIN: unreachable,
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const stack = new LocalStack({ services, gateway: { host: '127.0.0.1', port: await port() }, env });
  // A second gateway on the same services with the profile cache off, for `profile-cold`.
  const cold = options.scenarios.some((scenario) => scenario.cacheOff)
    ? new LocalStack({
        services: [],
        gateway: { host: '127.0.0.1', port: await port() },
        env: { ...env, PROFILE_CACHE_TTL_SECONDS: '0', ...Object.fromEntries(services.map((service) => [service.envVar, service.address])) },
      })
    : null;

  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    progress('Interrupted: stopping the stack…');
    void Promise.all([cold?.stop(), stack.stop()]).then(() => process.exit(130));
  });

  progress('Starting the stack on free ports…');
  await stack.start();
  try {
    await cold?.start();
    const running = run(stack, cold, options.settings, options.scenarios);
    // When a child dies, the run fails too, after the race is decided.
    running.catch(() => {});
    const report = await Promise.race([running, stack.failed.then(childFailed), ...(cold ? [cold.failed.then(childFailed)] : [])]);
    if (interrupted) return;
    out('');
    out(options.baseline ? compareTable(options.baseline, report) : resultTable(report));
    const cacheTable = profileCacheTable(report);
    if (cacheTable) out(`\n${cacheTable}`);
    if (options.json) console.log(JSON.stringify(report, null, 2));
  } finally {
    await cold?.stop();
    await stack.stop();
  }
}

function childFailed(failure: ChildFailure): never {
  const how = failure.signal ? `was killed by ${failure.signal}` : `exited with code ${failure.code}`;
  throw new StackError(`${failure.name} ${how} during the benchmark.`, failure.tail);
}

async function run(main: LocalStack, cold: LocalStack | null, settings: Settings, scenarios: readonly Scenario[]): Promise<BenchReport> {
  const date = new Date().toISOString();
  const token = await logIn(main.urls.graphql);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const stack = scenario.cacheOff && cold ? cold : main;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (scenario.signedIn) headers.authorization = `Bearer ${token}`;
    const body = JSON.stringify({ query: scenario.query });

    // One request first, so that a broken scenario says why instead of only counting errors.
    const check = await postGraphql(stack.urls.graphql, body, headers);
    if (check.errors) progress(`  ${scenario.name}: the gateway answers with errors, e.g. ${JSON.stringify(check.errors[0])}`);

    if (settings.warmupSeconds > 0) {
      progress(`${scenario.name}: warming up for ${settings.warmupSeconds} s…`);
      await load(stack.urls.base, body, headers, settings.connections, settings.warmupSeconds);
    }
    progress(`${scenario.name}: measuring for ${settings.durationSeconds} s with ${settings.connections} connections…`);
    const before = await settledRpcCount(stack.urls.metrics);
    const { result, graphqlErrors } = await load(stack.urls.base, body, headers, settings.connections, settings.durationSeconds);
    const after = await settledRpcCount(stack.urls.metrics);
    const sent = result.requests.sent || result.requests.total;
    const transportErrors = result.errors;
    results.push({
      scenario: scenario.name,
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.non2xx + transportErrors + graphqlErrors,
      non2xx: result.non2xx,
      transportErrors,
      graphqlErrors,
      rpcsPerRequest: before === null || after === null || sent === 0 ? null : (after - before) / sent,
    });
  }
  return { version: 1, date, commit: gitCommit(), node: process.version, settings, results };
}

/** Signs in as the first demo account and returns its access token. */
async function logIn(graphqlUrl: string): Promise<string> {
  const demo = await loadDemoLogin();
  if (!demo) throw new StackError('The services seed no demo accounts.');
  const body = JSON.stringify({
    query: 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }',
    variables: { input: { email: demo.firstEmail, password: demo.password } },
  });
  const response = await postGraphql(graphqlUrl, body, { 'content-type': 'application/json' });
  const token = (response.data as { login?: { accessToken?: string } } | undefined)?.login?.accessToken;
  if (!token) throw new StackError(`Signing in as ${demo.firstEmail} failed: ${JSON.stringify(response.errors ?? response)}`);
  return token;
}

interface GraphqlResponse {
  data?: unknown;
  errors?: unknown[];
}

async function postGraphql(url: string, body: string, headers: Record<string, string>): Promise<GraphqlResponse> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphqlResponse;
  } catch {
    return { errors: [`HTTP ${response.status}: ${text.slice(0, 200)}`] };
  }
}

/**
 * Runs autocannon against `/graphql` and counts the 2xx responses that carry
 * GraphQL errors (autocannon itself only sees status codes).
 */
async function load(
  baseUrl: string,
  body: string,
  headers: Record<string, string>,
  connections: number,
  durationSeconds: number,
): Promise<{ result: autocannon.Result; graphqlErrors: number }> {
  let graphqlErrors = 0;
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: durationSeconds,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        headers,
        body,
        onResponse: (status, responseBody) => {
          if (status < 300 && responseBody.includes('"errors":[')) graphqlErrors += 1;
        },
      },
    ],
  });
  return { result, graphqlErrors };
}

/**
 * `rpcCount` once it stops moving. autocannon stops at the deadline with
 * requests still in flight; the gateway finishes them, and their RPCs belong
 * to the run that sent them, not to the next one.
 */
async function settledRpcCount(metricsUrl: string): Promise<number | null> {
  let previous = await rpcCount(metricsUrl);
  for (let i = 0; i < 20; i++) {
    await delay(150);
    const current = await rpcCount(metricsUrl);
    if (current === previous) return current;
    previous = current;
  }
  return previous;
}

/** The sum of `gateway_grpc_client_calls_total` over all its label sets; null when the gateway does not export it. */
async function rpcCount(metricsUrl: string): Promise<number | null> {
  const response = await fetch(metricsUrl);
  if (!response.ok) return null;
  let total: number | null = null;
  for (const line of (await response.text()).split('\n')) {
    if (!/^gateway_grpc_client_calls_total[{ ]/.test(line)) continue;
    total = (total ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

function gitCommit(): string | null {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+dirty' : ''}`;
}

const fixed = (value: number | null, digits: number) => (value === null ? 'n/a' : value.toFixed(digits));

function resultTable(report: BenchReport): string {
  const { connections, durationSeconds } = report.settings;
  const rows = report.results.map((r) => [
    r.scenario,
    fixed(r.requestsPerSecond, 0),
    fixed(r.p50Ms, 1),
    fixed(r.p99Ms, 1),
    String(r.errors),
    fixed(r.rpcsPerRequest, 2),
  ]);
  return [
    `${report.commit ?? 'unknown commit'}, ${connections} connections, ${durationSeconds} s per scenario`,
    table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RPCs/req'], rows),
  ].join('\n');
}

/** `profile` (warm cache) beside `profile-cold` (every request fans out), when both ran. */
function profileCacheTable(report: BenchReport): string | null {
  const warm = report.results.find((r) => r.scenario === 'profile');
  const cold = report.results.find((r) => r.scenario === 'profile-cold');
  if (!warm || !cold) return null;
  const speedup = cold.requestsPerSecond > 0 ? `${(warm.requestsPerSecond / cold.requestsPerSecond).toFixed(1)}x` : 'n/a';
  return [
    `profile, cache cold vs warm (${process.env.REDIS_URL ? 'Redis' : 'in-memory stand-in'}): warm serves ${speedup} the requests per second`,
    table(
      ['profile cache', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RPCs/req'],
      [cold, warm].map((r) => [
        r === cold ? 'cold' : 'warm',
        fixed(r.requestsPerSecond, 0),
        fixed(r.p50Ms, 1),
        fixed(r.p99Ms, 1),
        String(r.errors),
        fixed(r.rpcsPerRequest, 2),
      ]),
    ),
  ].join('\n');
}

/** Each cell is `base → now`, with the relative change for throughput and latency. */
function compareTable(base: BenchReport, report: BenchReport): string {
  const change = (before: number | null, now: number | null, digits: number, withPercent: boolean) => {
    const cell = `${fixed(before, digits)} → ${fixed(now, digits)}`;
    if (!withPercent || before === null || now === null || before === 0) return cell;
    const percent = ((now - before) / before) * 100;
    return `${cell} (${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%)`;
  };
  const rows = report.results.map((now) => {
    const before = base.results.find((r) => r.scenario === now.scenario);
    return [
      now.scenario,
      change(before?.requestsPerSecond ?? null, now.requestsPerSecond, 0, true),
      change(before?.p50Ms ?? null, now.p50Ms, 1, true),
      change(before?.p99Ms ?? null, now.p99Ms, 1, true),
      change(before?.errors ?? null, now.errors, 0, false),
      change(before?.rpcsPerRequest ?? null, now.rpcsPerRequest, 2, false),
    ];
  });
  return [
    `${base.commit ?? 'unknown'} (${base.date}) → ${report.commit ?? 'unknown'} (${report.date})`,
    table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RPCs/req'], rows),
  ].join('\n');
}

/** A plain-text table: the first column left-aligned, the others right-aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('   ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('   '), ...rows.map(line)].join('\n');
}

try {
  await main();
} catch (error) {
  if (!(error instanceof StackError)) throw error;
  console.error(`✖ ${error.message}`);
  if (error.tail.length > 0) console.error(`  last lines it wrote:\n${error.tail.map((line) => `  │ ${line}`).join('\n')}`);
  // Exit now rather than when a load run that was cut short would have ended.
  process.exit(1);
}
