/**
 * `npm run bench`: load-tests the gateway with fixed GraphQL requests and
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
 *   npm run bench -- -s feed-50 -s feed-50-dc-off   # demand control on vs off, alternated
 *   npm run bench -- -s flood                       # a normal client during a flood (bench/flood.ts)
 *   npm run bench -- --hostile                      # hostile request shapes, once each (bench/hostile.ts)
 *
 * Options (environment variable in brackets):
 *   -c, --connections <n>   concurrent connections [BENCH_CONNECTIONS] (default 10)
 *   -d, --duration <s>      measured seconds per scenario [BENCH_DURATION] (default 10)
 *   -w, --warmup <s>        unmeasured seconds before each scenario [BENCH_WARMUP] (default 2)
 *   -s, --scenario <name>   run only this scenario (repeatable): user, user-dc-off, feed-50,
 *                           feed-50-dc-off, profile, profile-cold, flood (default: all but flood)
 *       --slices <n>        slices each side of a pair is measured in, alternated [BENCH_SLICES] (default 4)
 *       --hostile           send each hostile request shape once instead, and print a markdown table
 *       --json              print the results as JSON on stdout (the tables go to stderr)
 *       --compare <file>    print the results next to those of an earlier `--json` run
 *
 * Some scenarios run on a second gateway over the same services, started
 * with a few settings changed (`GATEWAY_VARIANTS`), and are printed side by
 * side with their counterpart on the main gateway:
 * - `profile` runs with the profile cache warm (every request after the first
 *   is a hit); `profile-cold` sends the same request to a gateway whose
 *   profile cache is off (PROFILE_CACHE_TTL_SECONDS=0), so every request fans
 *   out to the services as a miss does;
 * - `user` and `feed-50` run with demand control on (the default);
 *   `user-dc-off` and `feed-50-dc-off` send the same requests to a gateway
 *   with DEMAND_CONTROL=off, which skips all of it: the difference is what
 *   the analysis costs.
 * When both of a pair run, they are measured in alternating slices, each side
 * `--slices` slices of `duration / slices` seconds in the order A B B A A B B A…,
 * and each side's slices are summed: noise from the machine then falls on both
 * alike, and a steady drift (a neighbour's job starting, the heap growing)
 * cancels out over each A B B A. The ratio of each round (A over B, slice by
 * slice) is printed too, with a 95% interval of their geometric mean: how far
 * the figure can be trusted on this machine today.
 *
 * Both use REDIS_URL when it is set, the in-memory stand-ins otherwise.
 * Rate limits, request counts and cost budgets alike, are set too high to
 * refuse the load (unless RATE_LIMIT_* say otherwise), so that each request
 * still pays for its limit checks. `--hostile` alone runs with the default limits.
 *
 * Children log at `warn` unless LOG_LEVEL says otherwise; their last lines are
 * shown if one of them fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import {
  LocalStack,
  StackError,
  buildIfNeeded,
  freePort,
  loadDemoLogin,
  loadServices,
  type ChildFailure,
} from '../scripts/stack.mjs';
import { floodTables, runFlood, type FloodReport } from './flood.js';
import { hostileTable, runHostile, type HostileReport } from './hostile.js';
import { load, mergeRuns, metricSum, percentile, postGraphql, ratioInterval, scrapeMetrics, settledRpcCount, type LoadRun } from './measure.js';
import { fixed, table } from './table.js';

/** The gateways a run may start: the main one, and variants of it on the same services. */
type GatewayName = 'main' | keyof typeof GATEWAY_VARIANTS;

/** Each variant's settings, over those of the main gateway. */
const GATEWAY_VARIANTS = {
  /** Every profile read fans out, as a cold cache does. */
  'cache-off': { PROFILE_CACHE_TTL_SECONDS: '0' },
  /** No structural limits, cost estimate, cost budget, execution budget or response-size cap. */
  'dc-off': { DEMAND_CONTROL: 'off' },
  /** Cuts slow clients after a second, for the slow-client rows of `--hostile`. */
  patient: { HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' },
} as const satisfies Record<string, NodeJS.ProcessEnv>;

/** One fixed request, sent over and over. */
interface Scenario {
  name: string;
  query: string;
  /** Sent with the demo user's access token. */
  signedIn: boolean;
  /** The gateway it is sent to. */
  gateway: GatewayName;
}

const USER_QUERY = 'query { user(id: "usr_42") { id username displayName followersCount followingCount } }';
const FEED_QUERY =
  'query { feed(first: 50) { edges { node { id title likesCount likedByViewer author { id username followersCount } } } } }';
const PROFILE_QUERY =
  'query { profile(userId: "usr_7") { user { id username } followersCount followingCount recentPosts { id title likesCount } recommendations { id username } } }';

const SCENARIOS: readonly Scenario[] = [
  { name: 'user', signedIn: false, query: USER_QUERY, gateway: 'main' },
  { name: 'user-dc-off', signedIn: false, query: USER_QUERY, gateway: 'dc-off' },
  { name: 'feed-50', signedIn: true, query: FEED_QUERY, gateway: 'main' },
  { name: 'feed-50-dc-off', signedIn: true, query: FEED_QUERY, gateway: 'dc-off' },
  { name: 'profile', signedIn: false, query: PROFILE_QUERY, gateway: 'main' },
  { name: 'profile-cold', signedIn: false, query: PROFILE_QUERY, gateway: 'cache-off' },
];

/** Scenarios compared side by side: when both run, their slices alternate. */
interface Pairing {
  base: string;
  other: string;
  kind: 'profile cache' | 'demand control';
}

const PAIRINGS: readonly Pairing[] = [
  { base: 'user', other: 'user-dc-off', kind: 'demand control' },
  { base: 'feed-50', other: 'feed-50-dc-off', kind: 'demand control' },
  { base: 'profile', other: 'profile-cold', kind: 'profile cache' },
];

/** Not a steady load: a normal client during a flood (bench/flood.ts). Runs only when asked for. */
const FLOOD = 'flood';
/** The normal client of the flood sends the `user` scenario's query, signed in. */
const FLOOD_NORMAL_SCENARIO = 'user';
/** The share of throughput demand control may cost: the goal the on-vs-off table is read against. */
const DEMAND_CONTROL_GOAL_PERCENT = 5;

interface Settings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Slices each side of a pair is measured in (absent in reports from before pairs alternated). */
  slices?: number;
}

/** What one scenario measured. */
interface ScenarioResult {
  scenario: string;
  /** Responses received during the measured run. */
  requests: number;
  requestsPerSecond: number;
  /** Over the 2xx responses of all slices. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** `non2xx + transportErrors + graphqlErrors`. */
  errors: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  transportErrors: number;
  /** 2xx responses whose body carries GraphQL `errors`. */
  graphqlErrors: number;
  /** Growth of `gateway_grpc_client_calls_total` per request sent; null without that metric. */
  rpcsPerRequest: number | null;
  /**
   * The gateway process's CPU time (`process_cpu_seconds_total`) per request
   * sent, in milliseconds: what each request costs the gateway itself, far
   * less moved by other work on the machine than throughput is. Absent in
   * reports from before it was measured.
   */
  gatewayCpuMsPerRequest?: number | null;
  /** Requests per second of each slice, in the order run (one slice unless paired). */
  sliceRequestsPerSecond?: number[];
  /** `gatewayCpuMsPerRequest` of each slice, in the order run. */
  sliceGatewayCpuMsPerRequest?: (number | null)[];
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
  flood?: FloodReport;
  hostile?: HostileReport;
}

const USAGE =
  'usage: npm run bench -- [-c connections] [-d seconds] [-w seconds] [-s scenario]... [--slices n] [--json] [--compare file.json]\n' +
  '       npm run bench -- --hostile [--json]';

function readOptions() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', short: 'c', default: process.env.BENCH_CONNECTIONS ?? '10' },
      duration: { type: 'string', short: 'd', default: process.env.BENCH_DURATION ?? '10' },
      warmup: { type: 'string', short: 'w', default: process.env.BENCH_WARMUP ?? '2' },
      scenario: { type: 'string', short: 's', multiple: true },
      slices: { type: 'string', default: process.env.BENCH_SLICES ?? '4' },
      hostile: { type: 'boolean', default: false },
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
    slices: wholeNumber('slices', values.slices, 1),
  };
  if (values.hostile && (values.scenario || values.compare)) throw new StackError('--hostile runs alone: drop -s and --compare.');
  const known = [...SCENARIOS.map((scenario) => scenario.name), FLOOD];
  const names = values.scenario ?? (values.hostile ? [] : SCENARIOS.map((scenario) => scenario.name));
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new StackError(`Unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}.`);
  const baseline = values.compare === undefined ? null : readReport(values.compare);
  return {
    settings,
    scenarios: SCENARIOS.filter((scenario) => names.includes(scenario.name)),
    flood: names.includes(FLOOD),
    hostile: values.hostile,
    json: values.json,
    baseline,
  };
}

type Options = ReturnType<typeof readOptions>;

/** An earlier `--json` run; npm's own banner (`> pinstack-gateway@… bench`, without `--silent`) is skipped. */
function readReport(file: string): BenchReport {
  const text = readFileSync(file, 'utf8');
  const start = text.startsWith('{') ? 0 : text.indexOf('\n{') + 1;
  try {
    return JSON.parse(text.slice(start)) as BenchReport;
  } catch (error) {
    throw new StackError(`${file} is not the output of \`npm run bench -- --json\`: ${(error as Error).message}`);
  }
}

function wholeNumber(option: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new StackError(`--${option} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}.`);
  return value;
}

/** Progress and tables go to stderr under `--json`, so that stdout stays parseable. */
let out = (line: string) => console.log(line);
const progress = (line: string) => console.error(line);

/** The main gateway and the variants this run needs, all on one set of services. */
interface Gateways {
  main: LocalStack;
  variants: Map<GatewayName, LocalStack>;
  /** The environment the main gateway got. */
  env: NodeJS.ProcessEnv;
}

const gatewayOf = (gateways: Gateways, name: GatewayName): LocalStack => (name === 'main' ? gateways.main : gateways.variants.get(name)!);

async function main(): Promise<void> {
  const options = readOptions();
  if (options.json) out = progress;
  buildIfNeeded({ outputFd: 2 });

  const gateways = await createGateways(options);
  const all = [gateways.main, ...gateways.variants.values()];
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    progress('Interrupted: stopping the stack…');
    void Promise.all([...gateways.variants.values()].map((stack) => stack.stop()))
      .then(() => gateways.main.stop())
      .then(() => process.exit(130));
  });

  progress(`Starting the stack on free ports${gateways.variants.size > 0 ? `, and gateways ${[...gateways.variants.keys()].join(', ')}` : ''}…`);
  await gateways.main.start();
  try {
    for (const variant of gateways.variants.values()) await variant.start();
    const running = options.hostile ? hostileOnly(gateways) : run(gateways, options);
    // When a child dies, the run fails too, after the race is decided.
    running.catch(() => {});
    const report = await Promise.race([running, ...all.map((stack) => stack.failed.then(childFailed))]);
    if (interrupted) return;
    print(report, options);
    if (options.json) console.log(JSON.stringify(report, null, 2));
    if (report.hostile?.rows.some((row) => row.problems.length > 0)) process.exitCode = 1;
  } finally {
    for (const variant of gateways.variants.values()) await variant.stop();
    await gateways.main.stop();
  }
}

/**
 * Sets up (without starting) the services and the main gateway on fresh
 * ports, so that this stack cannot meet one started by `npm start`, and each
 * variant gateway this run needs, on the same services.
 */
async function createGateways(options: Options): Promise<Gateways> {
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
  // pays for its limit checks as in production; RATE_LIMIT_* in the
  // environment win. The cost budgets get far more room: a flood request alone
  // costs 4,808 points. `--hostile` faces the limits an attacker would.
  const unreachable = `${100_000_000}/60`;
  const unreachableCost = `${999_999_999}/1`;
  const limits = options.hostile
    ? {}
    : {
        RATE_LIMIT_ANONYMOUS: unreachable,
        RATE_LIMIT_SIGNED_IN: unreachable,
        RATE_LIMIT_LOGIN: unreachable,
        RATE_LIMIT_SIGNED_IN_PER_IP: unreachable,
        RATE_LIMIT_COST_ANONYMOUS: unreachableCost,
        RATE_LIMIT_COST_SIGNED_IN: unreachableCost,
      };
  const env: NodeJS.ProcessEnv = { ...limits, ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const main = new LocalStack({ services, gateway: { host: '127.0.0.1', port: await port(), adminPort: await port() }, env });

  const needed = new Set<GatewayName>(options.hostile ? ['patient'] : options.scenarios.map((scenario) => scenario.gateway));
  needed.delete('main');
  const addresses = Object.fromEntries(services.map((service) => [service.envVar, service.address]));
  const variants = new Map<GatewayName, LocalStack>();
  for (const name of needed) {
    const variantEnv = { ...env, ...GATEWAY_VARIANTS[name as keyof typeof GATEWAY_VARIANTS], ...addresses };
    variants.set(name, new LocalStack({ services: [], gateway: { host: '127.0.0.1', port: await port(), adminPort: await port() }, env: variantEnv }));
  }
  return { main, variants, env };
}

function childFailed(failure: ChildFailure): never {
  const how = failure.signal ? `was killed by ${failure.signal}` : `exited with code ${failure.code}`;
  throw new StackError(`${failure.name} ${how} during the benchmark.`, failure.tail);
}

function newReport(settings: Settings): BenchReport {
  return { version: 1, date: new Date().toISOString(), commit: gitCommit(), node: process.version, settings, results: [] };
}

async function run(gateways: Gateways, options: Options): Promise<BenchReport> {
  const { settings, scenarios } = options;
  const report = newReport(settings);
  const demo = await loadDemoLogin();
  if (!demo) throw new StackError('The services seed no demo accounts.');
  const token = await logIn(gateways.main.urls.graphql, demo.firstEmail, demo.password);

  const done = new Set<string>();
  for (const scenario of scenarios) {
    if (done.has(scenario.name)) continue;
    const pairing = PAIRINGS.find((p) => p.base === scenario.name || p.other === scenario.name);
    const partner = scenarios.find((s) => pairing && s !== scenario && (s.name === pairing.base || s.name === pairing.other));
    const sides = partner ? [scenario, partner] : [scenario];
    for (const side of sides) done.add(side.name);
    report.results.push(...(await runAlternating(gateways, sides, token, settings)));
  }

  if (options.flood) {
    // The other demo accounts flood; the first is the normal client.
    const flooderTokens: string[] = [];
    const accounts = Number(/\d+/.exec(demo.lastEmail)?.[0] ?? 1);
    for (let n = 2; n <= accounts; n++) flooderTokens.push(await logIn(gateways.main.urls.graphql, `user${n}@example.com`, demo.password));
    // The settings the gateway itself read, defaults included.
    const config = loadConfig(gateways.env);
    const limit = ({ points, durationSeconds }: { points: number; durationSeconds: number }) => `${points}/${durationSeconds}`;
    report.flood = await runFlood({
      gateway: gateways.main.urls,
      normalName: FLOOD_NORMAL_SCENARIO,
      normalQuery: SCENARIOS.find((s) => s.name === FLOOD_NORMAL_SCENARIO)!.query,
      normalToken: token,
      flooderTokens,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      settings: {
        RATE_LIMIT_COST_ANONYMOUS: limit(config.rateLimits.costAnonymous),
        RATE_LIMIT_COST_SIGNED_IN: limit(config.rateLimits.costSignedIn),
        MAX_IN_FLIGHT_REQUESTS: String(config.overload.maxInFlight),
        MAX_IN_FLIGHT_PER_CLIENT: String(config.overload.maxInFlightPerClient),
        SHED_EVENT_LOOP_DELAY_MS: String(config.overload.maxEventLoopDelayMs),
        SHED_HEAP_USED_PERCENT: String(config.overload.maxHeapUsedPercent),
      },
      progress,
    });
  }
  return report;
}

async function hostileOnly(gateways: Gateways): Promise<BenchReport> {
  const report = newReport({ connections: 1, durationSeconds: 0, warmupSeconds: 0 });
  progress('Sending each hostile request once…');
  report.hostile = await runHostile(gateways.main.urls, gatewayOf(gateways, 'patient').urls, progress);
  return report;
}

/**
 * Measures `sides` (one scenario, or a pair) for `durationSeconds` each. A
 * pair is measured in slices, alternated A B B A A B B A…, each slice
 * `durationSeconds / slices` long; each side's slices are then merged.
 */
async function runAlternating(gateways: Gateways, sides: Scenario[], token: string, settings: Settings): Promise<ScenarioResult[]> {
  const slices = sides.length > 1 ? (settings.slices ?? 1) : 1;
  const requests = sides.map((scenario) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (scenario.signedIn) headers.authorization = `Bearer ${token}`;
    return { scenario, stack: gatewayOf(gateways, scenario.gateway), headers, body: JSON.stringify({ query: scenario.query }) };
  });
  for (const { scenario, stack, headers, body } of requests) {
    // One request first, so that a broken scenario says why instead of only counting errors.
    const check = await postGraphql(stack.urls.graphql, body, headers);
    if (check.errors) progress(`  ${scenario.name}: the gateway answers with errors, e.g. ${JSON.stringify(check.errors[0])}`);
    if (settings.warmupSeconds > 0) {
      progress(`${scenario.name}: warming up for ${settings.warmupSeconds} s…`);
      await load({ baseUrl: stack.urls.base, body, headers, connections: settings.connections, durationSeconds: settings.warmupSeconds });
    }
  }

  const sliceSeconds = settings.durationSeconds / slices;
  const measured = requests.map(() => [] as Slice[]);
  const names = sides.map((s) => s.name).join(' and ');
  progress(`${names}: measuring for ${settings.durationSeconds} s${slices > 1 ? ` each, alternated in ${slices} slices of ${sliceSeconds} s` : ''} with ${settings.connections} connections…`);
  for (let slice = 0; slice < slices; slice++) {
    // A B, then B A: over each A B B A a steady drift weighs on both alike.
    const order = slice % 2 === 0 ? requests.map((_, i) => i) : requests.map((_, i) => i).reverse();
    for (const i of order) {
      const { stack, headers, body } = requests[i]!;
      measured[i]!.push(await measureSlice(stack, { baseUrl: stack.urls.base, body, headers, connections: settings.connections, durationSeconds: sliceSeconds }));
    }
  }
  return requests.map(({ scenario }, i) => scenarioResult(scenario.name, measured[i]!));
}

/** One slice of a scenario: the load run, and what the gateway spent on it. */
interface Slice {
  run: LoadRun;
  /** Growth of `gateway_grpc_client_calls_total`; null without that metric. */
  rpcs: number | null;
  /** Growth of the gateway's `process_cpu_seconds_total`; null without that metric. */
  cpuSeconds: number | null;
}

async function measureSlice(stack: LocalStack, options: Parameters<typeof load>[0]): Promise<Slice> {
  const metrics = stack.urls.metrics;
  const rpcsBefore = await settledRpcCount(metrics);
  const cpuBefore = metricSum(await scrapeMetrics(metrics), 'process_cpu_seconds_total');
  const run = await load(options);
  // Once the requests cut at the deadline have finished: their work belongs to this slice.
  const rpcsAfter = await settledRpcCount(metrics);
  const cpuAfter = metricSum(await scrapeMetrics(metrics), 'process_cpu_seconds_total');
  return {
    run,
    rpcs: rpcsBefore === null || rpcsAfter === null ? null : rpcsAfter - rpcsBefore,
    cpuSeconds: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
  };
}

function scenarioResult(name: string, slices: Slice[]): ScenarioResult {
  const merged = mergeRuns(slices.map((slice) => slice.run));
  const perSecond = (run: LoadRun) => (run.seconds > 0 ? run.responses / run.seconds : 0);
  const total = (pick: (slice: Slice) => number | null) =>
    slices.reduce<number | null>((sum, slice) => (sum === null || pick(slice) === null ? null : sum + pick(slice)!), 0);
  const rpcs = total((slice) => slice.rpcs);
  const cpuSeconds = total((slice) => slice.cpuSeconds);
  return {
    scenario: name,
    requests: merged.responses,
    requestsPerSecond: perSecond(merged),
    p50Ms: percentile(merged.latenciesMs, 50),
    p99Ms: percentile(merged.latenciesMs, 99),
    errors: merged.non2xx + merged.transportErrors + merged.graphqlErrors,
    non2xx: merged.non2xx,
    transportErrors: merged.transportErrors,
    graphqlErrors: merged.graphqlErrors,
    rpcsPerRequest: rpcs === null || merged.sent === 0 ? null : rpcs / merged.sent,
    gatewayCpuMsPerRequest: cpuSeconds === null || merged.sent === 0 ? null : (cpuSeconds * 1_000) / merged.sent,
    sliceRequestsPerSecond: slices.map((slice) => perSecond(slice.run)),
    sliceGatewayCpuMsPerRequest: slices.map((slice) => (slice.cpuSeconds === null || slice.run.sent === 0 ? null : (slice.cpuSeconds * 1_000) / slice.run.sent)),
  };
}

/** Signs in as a demo account and returns its access token. */
async function logIn(graphqlUrl: string, email: string, password: string): Promise<string> {
  const body = JSON.stringify({
    query: 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }',
    variables: { input: { email, password } },
  });
  const response = await postGraphql(graphqlUrl, body, { 'content-type': 'application/json' });
  const token = (response.data as { login?: { accessToken?: string } } | undefined)?.login?.accessToken;
  if (!token) throw new StackError(`Signing in as ${email} failed: ${JSON.stringify(response.errors ?? response)}`);
  return token;
}

function gitCommit(): string | null {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+dirty' : ''}`;
}

function print(report: BenchReport, options: Options): void {
  const sections: string[] = [];
  if (report.results.length > 0) {
    sections.push(options.baseline ? compareTable(options.baseline, report) : resultTable(report));
    for (const pairing of PAIRINGS) {
      const base = report.results.find((r) => r.scenario === pairing.base);
      const other = report.results.find((r) => r.scenario === pairing.other);
      if (base && other && pairing.kind === 'profile cache') sections.push(profileCacheTable(base, other));
    }
    const demandControl = PAIRINGS.filter((p) => p.kind === 'demand control').flatMap((p) => {
      const on = report.results.find((r) => r.scenario === p.base);
      const off = report.results.find((r) => r.scenario === p.other);
      return on && off ? [{ on, off }] : [];
    });
    if (demandControl.length > 0) sections.push(demandControlTable(demandControl, report.settings));
  }
  if (report.flood) sections.push(floodTables(report.flood));
  if (report.hostile) sections.push(hostileTable(report.hostile));
  out('');
  out(sections.join('\n\n'));
}

function resultTable(report: BenchReport): string {
  const { connections, durationSeconds } = report.settings;
  const rows = report.results.map((r) => [
    r.scenario,
    fixed(r.requestsPerSecond, 0),
    fixed(r.p50Ms, 1),
    fixed(r.p99Ms, 1),
    String(r.errors),
    fixed(r.rpcsPerRequest, 2),
    fixed(r.gatewayCpuMsPerRequest ?? null, 2),
  ]);
  return [
    `${report.commit ?? 'unknown commit'}, ${connections} connections, ${durationSeconds} s per scenario`,
    table(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RPCs/req', 'gateway CPU ms/req'], rows),
  ].join('\n');
}

/** `profile` (warm cache) beside `profile-cold` (every request fans out). */
function profileCacheTable(warm: ScenarioResult, cold: ScenarioResult): string {
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

/**
 * Each scenario with demand control on beside the same with it off, for
 * throughput and for the gateway's CPU time per request: the ratio over all
 * slices, the ratio of each round (on over off, slice by slice), and from
 * those a 95% interval, which says whether the goal is met, missed, or not
 * decided by this much measuring on this machine.
 */
function demandControlTable(pairs: { on: ScenarioResult; off: ScenarioResult }[], settings: Settings): string {
  const slices = settings.slices ?? 1;
  const rows: string[][] = [];
  const verdicts: string[] = [];
  const floor = 1 - DEMAND_CONTROL_GOAL_PERCENT / 100;
  for (const { on, off } of pairs) {
    const throughput = compareRounds(on.requestsPerSecond, off.requestsPerSecond, on.sliceRequestsPerSecond, off.sliceRequestsPerSecond);
    const cpu = compareRounds(on.gatewayCpuMsPerRequest, off.gatewayCpuMsPerRequest, on.sliceGatewayCpuMsPerRequest, off.sliceGatewayCpuMsPerRequest);
    rows.push(
      [on.scenario, 'req/s', fixed(on.requestsPerSecond, 0), fixed(off.requestsPerSecond, 0), ...throughput.cells],
      ['', 'gateway CPU ms/req', fixed(on.gatewayCpuMsPerRequest ?? null, 2), fixed(off.gatewayCpuMsPerRequest ?? null, 2), ...cpu.cells],
      ['', 'p50 / p99 ms', `${fixed(on.p50Ms, 1)} / ${fixed(on.p99Ms, 1)}`, `${fixed(off.p50Ms, 1)} / ${fixed(off.p99Ms, 1)}`, '', '', ''],
      ['', 'errors', String(on.errors), String(off.errors), '', '', ''],
    );

    const ratio = throughput.interval?.mean ?? throughput.summed;
    if (ratio === null) {
      verdicts.push(`  ${on.scenario}: n/a`);
      continue;
    }
    const cost = (1 - ratio) * 100;
    const measured = cost >= 0 ? `demand control costs ${cost.toFixed(1)}% of throughput` : `on served ${(-cost).toFixed(1)}% more than off`;
    const { interval } = throughput;
    let verdict: string;
    if (!interval) verdict = 'a single round cannot tell noise from cost: use --slices 2 or more';
    else if (interval.low >= floor) verdict = `goal of at most ${DEMAND_CONTROL_GOAL_PERCENT}% met: even the low end of the interval is above ${floor}`;
    else if (interval.high < floor) verdict = `goal of at most ${DEMAND_CONTROL_GOAL_PERCENT}% NOT met: even the high end of the interval is below ${floor}`;
    else verdict = `not decided at ${DEMAND_CONTROL_GOAL_PERCENT}%: the interval spans ${floor}; run longer (-d) in more slices (--slices)`;
    const cpuRatio = cpu.interval?.mean ?? cpu.summed;
    const cpuNote =
      cpuRatio === null
        ? ''
        : `; each request costs the gateway ${fixed(Math.abs(cpuRatio - 1) * 100, 1)}% ${cpuRatio >= 1 ? 'more' : 'less'} CPU with it on` +
          (cpu.interval ? ` (95%: ${signedPercent(cpu.interval.low)} to ${signedPercent(cpu.interval.high)})` : '');
    verdicts.push(`  ${on.scenario}: ${measured}; ${verdict}${cpuNote}`);
  }
  return [
    `demand control on (DEMAND_CONTROL=enforce, the default) vs off (DEMAND_CONTROL=off, a second gateway on the same services):`,
    `  each side ${slices} slice${slices > 1 ? 's' : ''} of ${settings.durationSeconds / slices} s, alternated on, off, off, on, …; figures over all slices;`,
    `  by round: the geometric mean of the rounds' on/off ratios, with its 95% interval`,
    table(['scenario', 'measure', 'on', 'off', 'on/off', 'by round (95%)', 'on/off of each round'], rows),
    ...verdicts,
  ].join('\n');
}

/** `ratio` as a signed change in percent: 1.031 is `+3.1%`. */
const signedPercent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

/** One measure compared on vs off, overall and round by round, with the table cells that show it. */
function compareRounds(
  on: number | null | undefined,
  off: number | null | undefined,
  onSlices: readonly (number | null)[] = [],
  offSlices: readonly (number | null)[] = [],
) {
  const rounds = onSlices.flatMap((value, i) => {
    const other = offSlices[i];
    return value !== null && other ? [value / other] : [];
  });
  const summed = on !== null && on !== undefined && off ? on / off : null;
  const interval = ratioInterval(rounds);
  const cells = [
    fixed(summed, 3),
    interval ? `${interval.mean.toFixed(3)} (${interval.low.toFixed(3)}–${interval.high.toFixed(3)})` : 'n/a',
    rounds.map((ratio) => ratio.toFixed(2)).join(' '),
  ];
  return { summed, interval, cells };
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

try {
  await main();
} catch (error) {
  if (!(error instanceof StackError)) throw error;
  console.error(`✖ ${error.message}`);
  if (error.tail.length > 0) console.error(`  last lines it wrote:\n${error.tail.map((line) => `  │ ${line}`).join('\n')}`);
  // Exit now rather than when a load run that was cut short would have ended.
  process.exit(1);
}
