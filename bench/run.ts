/**
 * `npm run bench`: load-tests the gateway with fixed GraphQL requests and
 * prints, for each, throughput, latency, errors, the CPU time and memory of
 * the process that answered, and how many RPCs the services received per request.
 *
 * It builds when needed and starts its own stack (six services and the
 * gateway) on free ports, so it runs beside `npm start`, and stops it at the end.
 *
 *   npm run bench                                   # table
 *   npm run bench -- --out before.json              # the table, and the results as JSON in a file
 *   npm run bench -- --json > before.json           # machine-readable on stdout (use `npm run --silent`)
 *   npm run bench -- --compare before.json          # side by side with a saved run
 *   npm run bench -- -c 50 -d 30 -s feed-50         # 50 connections, 30 s, one scenario
 *   npm run bench -- -s feed-50 -s feed-50-dc-off   # demand control on vs off, alternated
 *   npm run bench -- -c 20 -s feed-50 -s feed-50-prod -s feed-50-bare -s feed-50-floor
 *                                                   # the gateway against its baselines, alternated
 *   npm run bench -- -s flood                       # a normal client during a flood (bench/flood.ts)
 *   npm run bench -- --hostile                      # hostile request shapes, once each (bench/hostile.ts)
 *   npm run bench -- --subscriptions                # 1,000 live subscribers: memory and fan-out (bench/subscriptions.ts)
 *   npm run bench -- --rounds -c 20 -d 20           # where the time of slow feed-50 answers goes (bench/rounds.ts)
 *
 * Options (environment variable in brackets):
 *   -c, --connections <n>   concurrent connections [BENCH_CONNECTIONS] (default 10)
 *   -d, --duration <s>      measured seconds per scenario [BENCH_DURATION] (default 10)
 *   -w, --warmup <s>        unmeasured seconds before each scenario [BENCH_WARMUP] (default 2)
 *   -s, --scenario <name>   run only this scenario (repeatable): user, user-dc-off, feed-50,
 *                           feed-50-dc-off, feed-50-1ch, feed-50-prod, feed-50-bare, feed-50-floor, profile,
 *                           profile-cold, flood (default: all but flood)
 *       --slices <n>        slices each scenario of a group is measured in, alternated [BENCH_SLICES] (default 4)
 *       --hostile           send each hostile request shape once instead, and print a markdown table
 *       --subscriptions     measure live subscribers instead (memory each, fan-out latency), as a markdown table
 *       --subscribers <n>   subscribers of --subscriptions [BENCH_SUBSCRIBERS] (default 1000); -c sets the likes and follows in flight
 *       --rounds            split each feed-50 answer by its RPC rounds instead, the median answer beside those over twice the median
 *       --json              print the results as JSON on stdout (the tables go to stderr)
 *       --out <file>        write the results as JSON to <file> (the tables stay on stdout)
 *       --compare <file>    print the results next to those of an earlier `--json` or `--out` run
 *
 * Some scenarios run on another target over the same services, printed side
 * by side with their counterparts:
 * - `profile` runs with the profile cache warm (every request after the first
 *   is a hit); `profile-cold` sends the same request to a gateway whose
 *   profile cache is off (PROFILE_CACHE_TTL_SECONDS=0), so every request fans
 *   out to the services as a miss does;
 * - `user` and `feed-50` run with demand control on (the default);
 *   `user-dc-off` and `feed-50-dc-off` send the same requests to a gateway
 *   with DEMAND_CONTROL=off, which skips all of it: the difference is what
 *   the analysis costs;
 * - `feed-50-1ch` sends the feed to a gateway with one channel (HTTP/2
 *   connection) to each service instead of the default two;
 * - the feed's baselines (bench/baselines/): `feed-50-prod` is a
 *   production-like gateway (shared state in Redis, at REDIS_URL or in a
 *   Redis the bench starts; tracing of 10% of requests to an OTLP/HTTP sink
 *   the bench starts, which discards the spans); `feed-50-bare` is a bare
 *   Apollo Server with per-request DataLoaders and `feed-50-floor` a plain
 *   `node:http` handler, both answering the same query with the same token
 *   check, the same five RPCs and the same JSON. Before they are measured,
 *   every target of the group answers once and the answers must be equal
 *   (`extensions` aside), or the run stops.
 * Scenarios compared with one another are measured together in alternating
 * slices, each `--slices` slices of `duration / slices` seconds in the order
 * A B C, C B A, A B C…, and each one's slices are summed: noise from the
 * machine then falls on all alike, and a steady drift (a neighbour's job
 * starting, the heap growing) cancels out over each pair of rounds. The ratio
 * of each round (A over B, slice by slice) is printed too, with a 95%
 * interval of their geometric mean: how far the figure can be trusted on
 * this machine today.
 *
 * CPU time and resident memory are read from /proc for the process that
 * answered (the gateway, or the baseline), the same way for every target;
 * RPCs are counted where they arrive, on each service's `/metrics`.
 *
 * The gateways use REDIS_URL when it is set, the in-memory stand-ins
 * otherwise (`feed-50-prod` always has Redis). Rate limits, request counts and
 * cost budgets alike, are set too high to refuse the load (unless RATE_LIMIT_*
 * say otherwise), and so is MAX_IN_FLIGHT_PER_CLIENT above 16 connections
 * (but for a flood), so that each request still pays for its limit checks.
 * `--hostile` alone runs with the default limits.
 *
 * Children log at `warn` unless LOG_LEVEL says otherwise; their last lines are
 * shown if one of them fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import {
  LocalStack,
  StackError,
  buildIfNeeded,
  freePort,
  loadDemoLogin,
  type DemoLogin,
  loadServices,
  type ChildFailure,
  type StackService,
} from '../scripts/stack.mjs';
import { FEED_QUERY } from './baselines/feed.js';
import { baselineReport, baselineTables, BASELINE_GROUP } from './baselines-table.js';
import { redisServerAvailable, startBaseline, startRedis, type BenchChild } from './children.js';
import { floodTables, runFlood } from './flood.js';
import { hostileTable, runHostile } from './hostile.js';
import { measureRounds, roundsReport, roundsTable } from './rounds.js';
import { runSubscriptions, subscriptionTable } from './subscriptions.js';
import { gcBetween, gcPauses, load, mergeRuns, metricSum, percentile, postGraphql, scrapeMetrics, settledServiceCalls, type GcPauses, type LoadRun } from './measure.js';
import { compareRounds, type BenchReport, type ScenarioResult, type Settings } from './report.js';
import { fixed, table } from './table.js';
import { processCpuSeconds, processRssMb } from './usage.js';

/** The gateways a run may start: the main one, and variants of it on the same services. */
type GatewayName = 'main' | keyof typeof GATEWAY_VARIANTS;
/** The baselines of the feed (bench/baselines/), each a process of its own over the same services. */
type BaselineName = 'bare' | 'floor';
/** What a scenario's requests are sent to. */
type TargetName = GatewayName | BaselineName;

const isBaseline = (name: TargetName): name is BaselineName => name === 'bare' || name === 'floor';

/** The share of root traces the production-like gateway samples. */
const PROD_SAMPLING_RATIO = 0.1;

/** Each variant's settings, over those of the main gateway. */
const GATEWAY_VARIANTS = {
  /** Every profile read fans out, as a cold cache does. */
  'cache-off': { PROFILE_CACHE_TTL_SECONDS: '0' },
  /** No structural limits, cost estimate, cost budget, execution budget or response-size cap. */
  'dc-off': { DEMAND_CONTROL: 'off' },
  /** One HTTP/2 connection to each service instead of the default two. */
  'channels-1': { GRPC_CHANNELS_PER_SERVICE: '1' },
  /** Cuts slow clients after a second, for the slow-client rows of `--hostile`. */
  patient: { HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' },
  /**
   * Production-like: shared state in Redis and tracing of a tenth of the
   * requests over OTLP/HTTP; REDIS_URL and the OTLP endpoint are set when the
   * run starts (see `createStack`).
   */
  prod: { OTEL_TRACES_SAMPLER_ARG: String(PROD_SAMPLING_RATIO), OTEL_SDK_DISABLED: 'false' },
} as const satisfies Record<string, NodeJS.ProcessEnv>;

/** One fixed request, sent over and over. */
interface Scenario {
  name: string;
  query: string;
  /** Sent with the demo user's access token. */
  signedIn: boolean;
  /** What it is sent to. */
  target: TargetName;
}

const USER_QUERY = 'query { user(id: "usr_42") { id username displayName followersCount followingCount } }';
const PROFILE_QUERY =
  'query { profile(userId: "usr_7") { user { id username } followersCount followingCount recentPosts { id title likesCount } recommendations { id username } } }';

const SCENARIOS: readonly Scenario[] = [
  { name: 'user', signedIn: false, query: USER_QUERY, target: 'main' },
  { name: 'user-dc-off', signedIn: false, query: USER_QUERY, target: 'dc-off' },
  { name: 'feed-50', signedIn: true, query: FEED_QUERY, target: 'main' },
  { name: 'feed-50-dc-off', signedIn: true, query: FEED_QUERY, target: 'dc-off' },
  { name: 'feed-50-1ch', signedIn: true, query: FEED_QUERY, target: 'channels-1' },
  { name: BASELINE_GROUP.prod, signedIn: true, query: FEED_QUERY, target: 'prod' },
  { name: BASELINE_GROUP.bare, signedIn: true, query: FEED_QUERY, target: 'bare' },
  { name: BASELINE_GROUP.floor, signedIn: true, query: FEED_QUERY, target: 'floor' },
  { name: 'profile', signedIn: false, query: PROFILE_QUERY, target: 'main' },
  { name: 'profile-cold', signedIn: false, query: PROFILE_QUERY, target: 'cache-off' },
];

/**
 * Scenarios compared with one another: those of a group that run are
 * measured together, in alternating slices, and so are groups that share a
 * scenario (`feed-50` is in two).
 */
interface Group {
  members: readonly string[];
  kind: 'profile cache' | 'demand control' | 'baselines' | 'channels';
}

const GROUPS: readonly Group[] = [
  { members: ['user', 'user-dc-off'], kind: 'demand control' },
  { members: ['feed-50', 'feed-50-dc-off'], kind: 'demand control' },
  { members: ['profile', 'profile-cold'], kind: 'profile cache' },
  { members: ['feed-50', 'feed-50-1ch'], kind: 'channels' },
  { members: Object.values(BASELINE_GROUP), kind: 'baselines' },
];

/** What `--rounds` sends: the feed, signed in, to the main gateway (which lists each answer's calls). */
const ROUNDS_SCENARIO = 'feed-50';

/** Not a steady load: a normal client during a flood (bench/flood.ts). Runs only when asked for. */
const FLOOD = 'flood';
/** The normal client of the flood sends the `user` scenario's query, signed in. */
const FLOOD_NORMAL_SCENARIO = 'user';
/** The share of throughput demand control may cost: the goal the on-vs-off table is read against. */
const DEMAND_CONTROL_GOAL_PERCENT = 5;
/** MAX_IN_FLIGHT_PER_CLIENT's default: the bench sends as one client, so more connections than this would be shed. */
const DEFAULT_MAX_IN_FLIGHT_PER_CLIENT = 16;

const USAGE =
  'usage: npm run bench -- [-c connections] [-d seconds] [-w seconds] [-s scenario]... [--slices n] [--json] [--out file.json] [--compare file.json]\n' +
  '       npm run bench -- --hostile [--json] [--out file.json]\n' +
  '       npm run bench -- --subscriptions [--subscribers n] [-c mutations in flight] [--json] [--out file.json]\n' +
  '       npm run bench -- --rounds [-c connections] [-d seconds] [-w seconds] [--json] [--out file.json]';

function readOptions() {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', short: 'c', default: process.env.BENCH_CONNECTIONS ?? '10' },
      duration: { type: 'string', short: 'd', default: process.env.BENCH_DURATION ?? '10' },
      warmup: { type: 'string', short: 'w', default: process.env.BENCH_WARMUP ?? '2' },
      scenario: { type: 'string', short: 's', multiple: true },
      slices: { type: 'string', default: process.env.BENCH_SLICES ?? '4' },
      hostile: { type: 'boolean', default: false },
      subscriptions: { type: 'boolean', default: false },
      subscribers: { type: 'string', default: process.env.BENCH_SUBSCRIBERS ?? '1000' },
      rounds: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
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
  if (values.subscriptions && (values.scenario || values.compare || values.hostile)) throw new StackError('--subscriptions runs alone: drop -s, --compare and --hostile.');
  if (values.rounds && (values.scenario || values.compare || values.hostile || values.subscriptions)) {
    throw new StackError('--rounds runs alone: drop -s, --compare, --hostile and --subscriptions.');
  }
  const alone = values.hostile || values.subscriptions || values.rounds;
  const known = [...SCENARIOS.map((scenario) => scenario.name), FLOOD];
  let names = values.scenario ?? (alone ? [] : SCENARIOS.map((scenario) => scenario.name));
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new StackError(`Unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}.`);
  // The production-like gateway needs a Redis: asked for by name it must have one; by default it runs when one can be had.
  if (!process.env.REDIS_URL?.trim() && !redisServerAvailable()) {
    if (values.scenario?.includes(BASELINE_GROUP.prod)) {
      throw new StackError(`${BASELINE_GROUP.prod} needs a Redis: set REDIS_URL, or install redis-server for the bench to start one.`);
    }
    if (!values.scenario && names.includes(BASELINE_GROUP.prod)) {
      progress(`Skipping ${BASELINE_GROUP.prod}: REDIS_URL is not set and redis-server is not installed.`);
      names = names.filter((name) => name !== BASELINE_GROUP.prod);
    }
  }
  const baseline = values.compare === undefined ? null : readReport(values.compare);
  return {
    settings,
    scenarios: SCENARIOS.filter((scenario) => names.includes(scenario.name)),
    flood: names.includes(FLOOD),
    hostile: values.hostile,
    subscriptions: values.subscriptions ? { subscribers: wholeNumber('subscribers', values.subscribers, 1) } : null,
    rounds: values.rounds,
    json: values.json,
    outFile: values.out ?? null,
    baseline,
  };
}

type Options = ReturnType<typeof readOptions>;

/** An earlier `--json` or `--out` run; npm's own banner (`> pinstack-gateway@… bench`, without `--silent`) is skipped. */
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

/** Everything a run starts: the services and the main gateway, the variants and baselines it needs, and their helpers. */
interface Stack {
  main: LocalStack;
  variants: Map<GatewayName, LocalStack>;
  /** Started by `startStack`, in the order of `baselineNames`. */
  baselines: Map<BaselineName, BenchChild>;
  baselineNames: BaselineName[];
  /** The environment the main gateway got; the baselines get it too, with the services' addresses. */
  env: NodeJS.ProcessEnv;
  services: StackService[];
  /** Each service's `/metrics`, where RPCs are counted. */
  serviceMetrics: string[];
  /** What the production-like gateway needs, when it runs: its Redis (one the bench starts, unless REDIS_URL is set) and OTLP sink. */
  prod: { redisUrl: string; redisPort: number | null; sinkPort: number } | null;
  /** Started by `startStack`: a Redis, the OTLP sink. */
  helpers: BenchChild[];
}

/** What a scenario's requests go to. */
interface Target {
  name: TargetName;
  /** Where autocannon connects. */
  base: string;
  graphql: string;
  /** The process that answers, for its CPU time and memory. */
  pid(): number | undefined;
  /** The gateway's own `/metrics`, the fallback for CPU and memory without /proc; null for a baseline. */
  metrics: string | null;
}

function targetOf(stack: Stack, name: TargetName): Target {
  if (isBaseline(name)) {
    const child = stack.baselines.get(name)!;
    return { name, base: child.ready, graphql: `${child.ready}/graphql`, pid: () => child.pid, metrics: null };
  }
  const gateway = name === 'main' ? stack.main : stack.variants.get(name)!;
  return { name, base: gateway.urls.base, graphql: gateway.urls.graphql, pid: () => gateway.pid('gateway'), metrics: gateway.urls.metrics };
}

async function main(): Promise<void> {
  const options = readOptions();
  if (options.json) out = progress;
  buildIfNeeded({ outputFd: 2 });

  const stack = await createStack(options);
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    progress('Interrupted: stopping the stack…');
    void stopStack(stack).then(() => process.exit(130));
  });

  const extras = [...stack.variants.keys(), ...stack.baselineNames];
  progress(`Starting the stack on free ports${extras.length > 0 ? `, and ${extras.join(', ')}` : ''}…`);
  try {
    await startStack(stack);
    const running = options.hostile
      ? hostileOnly(stack)
      : options.subscriptions
        ? subscriptionsOnly(stack, options)
        : options.rounds
          ? roundsOnly(stack, options)
          : run(stack, options);
    // When a child dies, the run fails too, after the race is decided.
    running.catch(() => {});
    const children = [stack.main, ...stack.variants.values(), ...stack.baselines.values(), ...stack.helpers];
    const report = await Promise.race([running, ...children.map((child) => child.failed.then(childFailed))]);
    if (interrupted) return;
    if (report.machine) report.machine.loadAverageAtEnd = loadavg();
    print(report, options);
    if (options.json) console.log(JSON.stringify(report, null, 2));
    if (options.outFile) {
      writeFileSync(options.outFile, `${JSON.stringify(report, null, 2)}\n`);
      progress(`Results written to ${options.outFile}.`);
    }
    if (report.hostile?.rows.some((row) => row.problems.length > 0)) process.exitCode = 1;
  } finally {
    await stopStack(stack);
  }
}

/**
 * Sets up (without starting) the services and the main gateway on fresh
 * ports, so that this stack cannot meet one started by `npm start`, and each
 * variant gateway and baseline this run needs, on the same services.
 */
async function createStack(options: Options): Promise<Stack> {
  const taken = new Set<number>();
  const port = async (): Promise<number> => {
    for (;;) {
      const candidate = await freePort();
      if (taken.has(candidate)) continue;
      taken.add(candidate);
      return candidate;
    }
  };
  const services: StackService[] = [];
  for (const service of await loadServices({})) {
    services.push({ ...service, address: `127.0.0.1:${await port()}`, metricsAddress: `127.0.0.1:${await port()}` });
  }
  // Limits high enough never to refuse the load, so that every request still
  // pays for its limit checks as in production; RATE_LIMIT_* in the
  // environment win. The cost budgets get far more room: a flood request alone
  // costs 4,808 points. The bench sends as one client, so more connections
  // than MAX_IN_FLIGHT_PER_CLIENT allows would be shed, except in a flood,
  // where that share is what is measured. `--hostile` faces the limits an attacker would.
  const unreachable = `${100_000_000}/60`;
  const unreachableCost = `${999_999_999}/1`;
  const { connections } = options.settings;
  const limits = options.hostile
    ? {}
    : {
        RATE_LIMIT_ANONYMOUS: unreachable,
        RATE_LIMIT_SIGNED_IN: unreachable,
        RATE_LIMIT_LOGIN: unreachable,
        RATE_LIMIT_SIGNED_IN_PER_IP: unreachable,
        RATE_LIMIT_COST_ANONYMOUS: unreachableCost,
        RATE_LIMIT_COST_SIGNED_IN: unreachableCost,
        ...(connections > DEFAULT_MAX_IN_FLIGHT_PER_CLIENT && !options.flood ? { MAX_IN_FLIGHT_PER_CLIENT: String(connections) } : {}),
      };
  const env: NodeJS.ProcessEnv = { ...limits, ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  // The services serve their metrics on ports of their own (StackService.metricsAddress).
  delete env.METRICS_ADDR;
  const main = new LocalStack({ services, gateway: { host: '127.0.0.1', port: await port(), adminPort: await port() }, env });

  const targets = new Set<TargetName>(options.hostile ? ['patient'] : options.scenarios.map((scenario) => scenario.target));
  const addresses = Object.fromEntries(services.map((service) => [service.envVar, service.address]));
  let prod: Stack['prod'] = null;
  const variants = new Map<GatewayName, LocalStack>();
  for (const name of targets) {
    if (name === 'main' || isBaseline(name)) continue;
    const variantEnv: NodeJS.ProcessEnv = { ...env, ...GATEWAY_VARIANTS[name], ...addresses };
    if (name === 'prod') {
      const redisUrl = process.env.REDIS_URL?.trim();
      const redisPort = redisUrl ? null : await port();
      prod = { redisUrl: redisUrl || `redis://127.0.0.1:${redisPort}`, redisPort, sinkPort: await port() };
      Object.assign(variantEnv, {
        REDIS_URL: prod.redisUrl,
        // Its own keys, should REDIS_URL be a Redis others use.
        REDIS_KEY_PREFIX: `pinstack-bench:${process.pid}:`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${prod.sinkPort}`,
      });
      // The ratio sampler of platform/telemetry.ts, whatever this shell says.
      delete variantEnv.OTEL_TRACES_SAMPLER;
      delete variantEnv.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    }
    variants.set(name, new LocalStack({ services: [], gateway: { host: '127.0.0.1', port: await port(), adminPort: await port() }, env: variantEnv }));
  }
  return {
    main,
    variants,
    baselines: new Map(),
    baselineNames: [...targets].filter(isBaseline),
    env: { ...env, ...addresses },
    services,
    serviceMetrics: services.map((service) => `http://${service.metricsAddress!}/metrics`),
    prod,
    helpers: [],
  };
}

/** Starts the helpers, the services and the main gateway, then the variants and the baselines. */
async function startStack(stack: Stack): Promise<void> {
  if (stack.prod) {
    if (stack.prod.redisPort !== null) stack.helpers.push(await startRedis(stack.prod.redisPort));
    stack.helpers.push(await startBaseline('otlp-sink', stack.env, stack.prod.sinkPort));
  }
  await stack.main.start();
  for (const variant of stack.variants.values()) await variant.start();
  for (const name of stack.baselineNames) stack.baselines.set(name, await startBaseline(name, stack.env));
}

/** Stops whatever `startStack` started, the gateways before the services they drain against. */
async function stopStack(stack: Stack): Promise<void> {
  for (const baseline of stack.baselines.values()) await baseline.stop();
  for (const variant of stack.variants.values()) await variant.stop();
  await stack.main.stop();
  for (const helper of stack.helpers) await helper.stop();
}

function childFailed(failure: ChildFailure): never {
  const how = failure.signal ? `was killed by ${failure.signal}` : `exited with code ${failure.code}`;
  throw new StackError(`${failure.name} ${how} during the benchmark.`, failure.tail);
}

function newReport(settings: Settings): BenchReport {
  return {
    version: 1,
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    machine: { cpus: availableParallelism(), loadAverageAtStart: loadavg(), loadAverageAtEnd: null },
    settings,
    results: [],
  };
}

/** `load average 5.9, 6.1` from the 1-minute figures at the start and the end of the run: how busy the machine was. */
function machineLine(report: BenchReport): string {
  const { machine } = report;
  if (!machine) return '';
  const one = (figures: number[] | null) => (figures ? figures[0]!.toFixed(1) : 'n/a');
  return `; ${machine.cpus} CPUs, load average ${one(machine.loadAverageAtStart)} at the start, ${one(machine.loadAverageAtEnd)} at the end`;
}

/**
 * The selected scenarios in sets measured together: a scenario with every
 * other selected one that shares a group with it, directly or through another.
 */
function measuredTogether(scenarios: readonly Scenario[]): Scenario[][] {
  const selected = new Set(scenarios.map((scenario) => scenario.name));
  const placed = new Set<string>();
  const sets: Scenario[][] = [];
  for (const scenario of scenarios) {
    if (placed.has(scenario.name)) continue;
    const members = new Set([scenario.name]);
    for (let grown = true; grown; ) {
      grown = false;
      for (const group of GROUPS) {
        if (!group.members.some((name) => members.has(name))) continue;
        for (const name of group.members) {
          if (selected.has(name) && !members.has(name)) {
            members.add(name);
            grown = true;
          }
        }
      }
    }
    for (const name of members) placed.add(name);
    sets.push(scenarios.filter((s) => members.has(s.name)));
  }
  return sets;
}

async function run(stack: Stack, options: Options): Promise<BenchReport> {
  const { settings, scenarios } = options;
  const report = newReport(settings);
  const { demo, token } = await demoSignIn(stack);

  const oneRequestRpcs = new Map<string, Record<string, number>>();
  for (const together of measuredTogether(scenarios)) {
    const measured = await runAlternating(stack, together, token, settings);
    report.results.push(...measured.results);
    for (const [name, rpcs] of measured.oneRequestRpcs) oneRequestRpcs.set(name, rpcs);
  }

  const baselines = baselineReport(report.results, oneRequestRpcs);
  if (baselines) {
    const prodRan = report.results.some((result) => result.scenario === BASELINE_GROUP.prod);
    if (prodRan && stack.prod) {
      const sink = stack.helpers.find((helper) => helper.name === 'otlp-sink');
      const stats = sink ? await fetchSinkStats(sink.ready) : null;
      baselines.prod = {
        redis: stack.prod.redisPort === null ? 'at REDIS_URL' : 'started by the bench',
        samplingRatio: PROD_SAMPLING_RATIO,
        otlpExports: stats?.exports ?? null,
        otlpBytes: stats?.bytes ?? null,
      };
    }
    report.baselines = baselines;
  }

  if (options.flood) {
    // The other demo accounts flood; the first is the normal client.
    const flooderTokens: string[] = [];
    const accounts = Number(/\d+/.exec(demo.lastEmail)?.[0] ?? 1);
    for (let n = 2; n <= accounts; n++) flooderTokens.push(await logIn(stack.main.urls.graphql, `user${n}@example.com`, demo.password));
    // The settings the gateway itself read, defaults included.
    const config = loadConfig(stack.env);
    const limit = ({ points, durationSeconds }: { points: number; durationSeconds: number }) => `${points}/${durationSeconds}`;
    report.flood = await runFlood({
      gateway: stack.main.urls,
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

/** What the OTLP sink has taken so far; null when it does not answer. */
async function fetchSinkStats(url: string): Promise<{ exports: number; bytes: number } | null> {
  try {
    const response = await fetch(`${url}/stats`);
    return response.ok ? ((await response.json()) as { exports: number; bytes: number }) : null;
  } catch {
    return null;
  }
}

async function subscriptionsOnly(stack: Stack, options: Options): Promise<BenchReport> {
  const report = newReport({ connections: options.settings.connections, durationSeconds: 0, warmupSeconds: 0 });
  report.subscriptions = await runSubscriptions(
    {
      graphql: stack.main.urls.graphql,
      metrics: stack.main.urls.metrics,
      env: stack.env,
      subscribers: options.subscriptions!.subscribers,
      concurrency: options.settings.connections,
    },
    progress,
  );
  return report;
}

/** The demo accounts the services seed, and an access token of the first, from the main gateway. */
async function demoSignIn(stack: Stack): Promise<{ demo: DemoLogin; token: string }> {
  const demo = await loadDemoLogin();
  if (!demo) throw new StackError('The services seed no demo accounts.');
  return { demo, token: await logIn(stack.main.urls.graphql, demo.firstEmail, demo.password) };
}

async function roundsOnly(stack: Stack, options: Options): Promise<BenchReport> {
  const { settings } = options;
  const report = newReport(settings);
  const { token } = await demoSignIn(stack);
  progress(`${ROUNDS_SCENARIO}: warming up for ${settings.warmupSeconds} s, then measuring for ${settings.durationSeconds} s with ${settings.connections} connections…`);
  const answers = await measureRounds({
    url: stack.main.urls.graphql,
    body: JSON.stringify({ query: FEED_QUERY }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    connections: settings.connections,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds,
  });
  report.rounds = { scenario: ROUNDS_SCENARIO, report: roundsReport(answers) };
  return report;
}

async function hostileOnly(stack: Stack): Promise<BenchReport> {
  const report = newReport({ connections: 1, durationSeconds: 0, warmupSeconds: 0 });
  progress('Sending each hostile request once…');
  report.hostile = await runHostile(stack.main.urls, stack.variants.get('patient')!.urls, progress);
  return report;
}

/**
 * Before a set with a baseline in it is measured: every target answers once,
 * and the answers must be the same JSON, `extensions` aside, with no errors,
 * from the same RPCs (counted at the services, method by method). A baseline
 * that answered otherwise would be measured doing other work. Returns the
 * RPCs of each one's request, by scenario.
 */
async function assertSameAnswers(
  requests: readonly { scenario: Scenario; target: Target; headers: Record<string, string>; body: string }[],
  serviceMetrics: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  const answers = [];
  const rpcsOf = new Map<string, Record<string, number>>();
  for (const { scenario, target, headers, body } of requests) {
    const before = await settledServiceCalls(serviceMetrics);
    const response = await fetch(target.graphql, { method: 'POST', headers, body });
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new StackError(`${scenario.name} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (response.status !== 200 || parsed.errors) throw new StackError(`${scenario.name} answered HTTP ${response.status} with errors: ${text.slice(0, 300)}`);
    delete parsed.extensions;
    answers.push({ name: scenario.name, json: JSON.stringify(parsed) });
    const after = await settledServiceCalls(serviceMetrics);
    if (before && after) rpcsOf.set(scenario.name, callsBetween(before, after));
  }
  const [first, ...rest] = answers;
  for (const answer of rest) {
    if (answer.json === first!.json) continue;
    let at = 0;
    while (answer.json[at] === first!.json[at]) at++;
    const around = (json: string) => json.slice(Math.max(0, at - 60), at + 60);
    throw new StackError(
      `${answer.name} answers other JSON than ${first!.name} (extensions aside), from character ${at}:\n` +
        `  ${first!.name}: …${around(first!.json)}…\n  ${answer.name}: …${around(answer.json)}…`,
    );
  }
  progress(`  ${answers.map((answer) => answer.name).join(', ')}: the same answer (${first!.json.length} characters of JSON, extensions aside)`);
  const shapes = [...rpcsOf].map(([name, rpcs]) => ({ name, shape: JSON.stringify(rpcs) }));
  const different = shapes.find((entry) => entry.shape !== shapes[0]?.shape);
  if (different) {
    throw new StackError(`${different.name} sends other RPCs for the request than ${shapes[0]!.name}: ${different.shape} against ${shapes[0]!.shape}`);
  }
  const rpcs = shapes.length > 0 ? Object.entries([...rpcsOf.values()][0]!) : [];
  progress(`  and the same ${rpcs.reduce((sum, [, n]) => sum + n, 0)} RPCs: ${rpcs.map(([method, n]) => `${method} ×${n}`).join(', ')}`);
  return rpcsOf;
}

/** RPCs counted between two reads of the services' metrics, by `service.Method`, in name order. */
function callsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [method, count] of [...after].sort(([a], [b]) => a.localeCompare(b))) {
    const sent = count - (before.get(method) ?? 0);
    if (sent > 0) calls[method] = sent;
  }
  return calls;
}

/**
 * Measures `together` (one scenario, or a set compared with one another) for
 * `durationSeconds` each. A set is measured in slices, alternated A B C,
 * C B A, A B C…, each slice `durationSeconds / slices` long; each scenario's
 * slices are then merged.
 */
async function runAlternating(
  stack: Stack,
  together: Scenario[],
  token: string,
  settings: Settings,
): Promise<{ results: ScenarioResult[]; oneRequestRpcs: Map<string, Record<string, number>> }> {
  const slices = together.length > 1 ? (settings.slices ?? 1) : 1;
  const requests = together.map((scenario) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (scenario.signedIn) headers.authorization = `Bearer ${token}`;
    return { scenario, target: targetOf(stack, scenario.target), headers, body: JSON.stringify({ query: scenario.query }) };
  });
  const oneRequestRpcs = together.some((scenario) => isBaseline(scenario.target))
    ? await assertSameAnswers(requests, stack.serviceMetrics)
    : new Map<string, Record<string, number>>();
  for (const { scenario, target, headers, body } of requests) {
    // One request first, so that a broken scenario says why instead of only counting errors.
    const check = await postGraphql(target.graphql, body, headers);
    if (check.errors) progress(`  ${scenario.name}: the target answers with errors, e.g. ${JSON.stringify(check.errors[0])}`);
    if (settings.warmupSeconds > 0) {
      progress(`${scenario.name}: warming up for ${settings.warmupSeconds} s…`);
      await load({ baseUrl: target.base, body, headers, connections: settings.connections, durationSeconds: settings.warmupSeconds });
    }
  }

  const sliceSeconds = settings.durationSeconds / slices;
  const measured = requests.map(() => [] as Slice[]);
  const names = together.map((s) => s.name).join(', ');
  progress(`${names}: measuring for ${settings.durationSeconds} s${slices > 1 ? ` each, alternated in ${slices} slices of ${sliceSeconds} s` : ''} with ${settings.connections} connections…`);
  for (let slice = 0; slice < slices; slice++) {
    // A B C, then C B A: over each pair of rounds a steady drift weighs on all alike.
    const order = slice % 2 === 0 ? requests.map((_, i) => i) : requests.map((_, i) => i).reverse();
    for (const i of order) {
      const { target, headers, body } = requests[i]!;
      measured[i]!.push(await measureSlice(target, stack.serviceMetrics, { baseUrl: target.base, body, headers, connections: settings.connections, durationSeconds: sliceSeconds }));
    }
  }
  return { results: requests.map(({ scenario }, i) => scenarioResult(scenario, measured[i]!)), oneRequestRpcs };
}

/** One slice of a scenario: the load run, and what the services and the target spent on it. */
interface Slice {
  run: LoadRun;
  /** RPCs the services handled, by `service.Method`; null when their metrics could not be read. */
  rpcs: Map<string, number> | null;
  /** CPU seconds of the process that answered; null when they could not be read. */
  cpuSeconds: number | null;
  /** Its resident memory at the end of the slice, in MB. */
  rssMb: number | null;
  /** Its garbage collection pauses during the slice; null for a process without `/metrics` (the baselines). */
  gc: GcPauses | null;
}

/** CPU seconds the target's process has used so far: from /proc, else the gateway's own metric. */
async function cpuSecondsOf(target: Target): Promise<number | null> {
  const fromProc = processCpuSeconds(target.pid());
  if (fromProc !== null || target.metrics === null) return fromProc;
  return metricSum(await scrapeMetrics(target.metrics), 'process_cpu_seconds_total');
}

/** The target's resident memory in MB: from /proc, else the gateway's own metric. */
async function rssMbOf(target: Target): Promise<number | null> {
  const fromProc = processRssMb(target.pid());
  if (fromProc !== null || target.metrics === null) return fromProc;
  const bytes = metricSum(await scrapeMetrics(target.metrics), 'process_resident_memory_bytes');
  return bytes === null ? null : bytes / 2 ** 20;
}

/** The target's GC pauses so far, from its `/metrics`; null for a baseline, which has none. */
async function gcPausesOf(target: Target): Promise<GcPauses | null> {
  return target.metrics === null ? null : gcPauses(await scrapeMetrics(target.metrics));
}

async function measureSlice(target: Target, serviceMetrics: readonly string[], options: Parameters<typeof load>[0]): Promise<Slice> {
  const callsBefore = await settledServiceCalls(serviceMetrics);
  const cpuBefore = await cpuSecondsOf(target);
  const gcBefore = await gcPausesOf(target);
  const run = await load(options);
  // Once the requests cut at the deadline have finished: their work belongs to this slice.
  const callsAfter = await settledServiceCalls(serviceMetrics);
  const cpuAfter = await cpuSecondsOf(target);
  const gcAfter = await gcPausesOf(target);
  const rpcs = callsBefore && callsAfter ? new Map(Object.entries(callsBetween(callsBefore, callsAfter))) : null;
  return {
    run,
    rpcs,
    cpuSeconds: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    rssMb: await rssMbOf(target),
    gc: gcBetween(gcBefore, gcAfter),
  };
}

function scenarioResult(scenario: Scenario, slices: Slice[]): ScenarioResult {
  const merged = mergeRuns(slices.map((slice) => slice.run));
  const perSecond = (run: LoadRun) => (run.seconds > 0 ? run.responses / run.seconds : 0);
  const total = (pick: (slice: Slice) => number | null) =>
    slices.reduce<number | null>((sum, slice) => (sum === null || pick(slice) === null ? null : sum + pick(slice)!), 0);
  const cpuSeconds = total((slice) => slice.cpuSeconds);
  let rpcsByMethod: Record<string, number> | null = null;
  if (merged.sent > 0 && slices.every((slice) => slice.rpcs !== null)) {
    const counts: Record<string, number> = {};
    for (const slice of slices) for (const [method, n] of slice.rpcs!) counts[method] = (counts[method] ?? 0) + n;
    rpcsByMethod = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([method, n]) => [method, n / merged.sent]));
  }
  const rss = slices.map((slice) => slice.rssMb).filter((mb): mb is number => mb !== null);
  const gcSeconds = total((slice) => slice.gc?.seconds ?? null);
  const longPauses = total((slice) => slice.gc?.over10ms ?? null);
  return {
    scenario: scenario.name,
    target: scenario.target,
    requests: merged.responses,
    requestsPerSecond: perSecond(merged),
    p50Ms: percentile(merged.latenciesMs, 50),
    p99Ms: percentile(merged.latenciesMs, 99),
    errors: merged.non2xx + merged.transportErrors + merged.graphqlErrors,
    non2xx: merged.non2xx,
    transportErrors: merged.transportErrors,
    graphqlErrors: merged.graphqlErrors,
    errorKinds: merged.errorKinds,
    rpcsPerRequest: rpcsByMethod === null ? null : Object.values(rpcsByMethod).reduce((sum, n) => sum + n, 0),
    rpcsByMethod,
    cpuMsPerRequest: cpuSeconds === null || merged.sent === 0 ? null : (cpuSeconds * 1_000) / merged.sent,
    rssMb: rss.length > 0 ? Math.max(...rss) : null,
    gcMsPerRequest: gcSeconds === null || merged.sent === 0 ? null : (gcSeconds * 1_000) / merged.sent,
    gcPausesOver10MsPerSecond: longPauses === null || merged.seconds === 0 ? null : longPauses / merged.seconds,
    sliceRequestsPerSecond: slices.map((slice) => perSecond(slice.run)),
    sliceCpuMsPerRequest: slices.map((slice) => (slice.cpuSeconds === null || slice.run.sent === 0 ? null : (slice.cpuSeconds * 1_000) / slice.run.sent)),
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

/** The first two members of each group of `kind` that ran, as (base, other). */
function ranPairs(report: BenchReport, kind: Group['kind']): { base: ScenarioResult; other: ScenarioResult }[] {
  return GROUPS.filter((group) => group.kind === kind).flatMap((group) => {
    const base = report.results.find((r) => r.scenario === group.members[0]);
    const other = report.results.find((r) => r.scenario === group.members[1]);
    return base && other ? [{ base, other }] : [];
  });
}

function print(report: BenchReport, options: Options): void {
  const sections: string[] = [];
  if (report.results.length > 0) {
    sections.push(options.baseline ? compareTable(options.baseline, report) : resultTable(report));
    for (const { base, other } of ranPairs(report, 'profile cache')) sections.push(profileCacheTable(base, other));
    const demandControl = ranPairs(report, 'demand control').map(({ base, other }) => ({ on: base, off: other }));
    if (demandControl.length > 0) sections.push(demandControlTable(demandControl, report.settings));
    for (const { base, other } of ranPairs(report, 'channels')) sections.push(channelsTable(base, other));
    if (report.baselines) sections.push(baselineTables(report.baselines, report.results, report.settings));
  }
  if (report.flood) sections.push(floodTables(report.flood));
  if (report.hostile) sections.push(hostileTable(report.hostile));
  if (report.subscriptions) sections.push(subscriptionTable(report.subscriptions));
  if (report.rounds) sections.push(roundsTable(report.rounds.scenario, report.settings.connections, report.settings.durationSeconds, report.rounds.report));
  out('');
  out(sections.join('\n\n'));
}

function resultTable(report: BenchReport): string {
  const { connections, durationSeconds } = report.settings;
  const rows = report.results.map((r) => [
    r.scenario,
    r.target ?? '',
    fixed(r.requestsPerSecond, 0),
    fixed(r.p50Ms, 1),
    fixed(r.p99Ms, 1),
    String(r.errors),
    fixed(r.rpcsPerRequest, 2),
    fixed(r.cpuMsPerRequest ?? null, 2),
    fixed(r.rssMb ?? null, 0),
  ]);
  return [
    `${report.commit ?? 'unknown commit'}, ${connections} connections, ${durationSeconds} s per scenario${machineLine(report)}`,
    table(['scenario', 'target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RPCs/req', 'CPU ms/req', 'RSS MB'], rows),
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
    const cpu = compareRounds(on.cpuMsPerRequest, off.cpuMsPerRequest, on.sliceCpuMsPerRequest, off.sliceCpuMsPerRequest);
    rows.push(
      [on.scenario, 'req/s', fixed(on.requestsPerSecond, 0), fixed(off.requestsPerSecond, 0), ...throughput.cells],
      ['', 'gateway CPU ms/req', fixed(on.cpuMsPerRequest ?? null, 2), fixed(off.cpuMsPerRequest ?? null, 2), ...cpu.cells],
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

/** `feed-50` over two channels per service (the default) beside `feed-50-1ch` over one, by round. */
function channelsTable(two: ScenarioResult, one: ScenarioResult): string {
  const throughput = compareRounds(two.requestsPerSecond, one.requestsPerSecond, two.sliceRequestsPerSecond, one.sliceRequestsPerSecond);
  const cpu = compareRounds(two.cpuMsPerRequest, one.cpuMsPerRequest, two.sliceCpuMsPerRequest, one.sliceCpuMsPerRequest);
  return [
    'gRPC channels per service (GRPC_CHANNELS_PER_SERVICE): 2 (the default) vs 1, a second gateway on the same services, alternated by slice',
    table(
      ['measure', '2 channels', '1 channel', '2/1', 'by round (95%)', '2/1 of each round'],
      [
        ['req/s', fixed(two.requestsPerSecond, 0), fixed(one.requestsPerSecond, 0), ...throughput.cells],
        ['gateway CPU ms/req', fixed(two.cpuMsPerRequest ?? null, 2), fixed(one.cpuMsPerRequest ?? null, 2), ...cpu.cells],
        ['p50 / p99 ms', `${fixed(two.p50Ms, 1)} / ${fixed(two.p99Ms, 1)}`, `${fixed(one.p50Ms, 1)} / ${fixed(one.p99Ms, 1)}`, '', '', ''],
        ['errors', String(two.errors), String(one.errors), '', '', ''],
      ],
    ),
  ].join('\n');
}

/** `ratio` as a signed change in percent: 1.031 is `+3.1%`. */
const signedPercent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

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
