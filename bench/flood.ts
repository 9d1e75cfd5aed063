/**
 * `npm run bench -- -s flood`: how a normal client fares while others flood
 * the gateway with the most expensive query its limits allow (cost 4,808 of
 * 5,000). Three phases, each measured for the bench's duration:
 *
 * 1. `alone`: the normal client (2 connections, signed in) and nothing else;
 * 2. `anonymous flood`: 32 connections without a token, so one client key
 *    (the address): the per-client in-flight share (MAX_IN_FLIGHT_PER_CLIENT)
 *    is what holds them;
 * 3. `signed-in flood`: 16 connections for each of the other demo accounts
 *    (9 by default, 144 connections), each within its own share, so that the
 *    replica's limits (MAX_IN_FLIGHT_REQUESTS, event loop delay, heap) are
 *    what holds them.
 *
 * The cost budget is left out of reach, so that overload protection alone
 * stands between the flood and the normal client. The flood starts the
 * warm-up's seconds before the normal client is measured; it is counted only
 * while the normal client is.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { MOST_EXPENSIVE_ALLOWED } from '../test/support/hostile-requests.js';
import { checkHealth, metricSum, percentile, scrapeMetrics, startLoad, type LoadRun, type RunningLoad } from './measure.js';
import { counts, fixed, table } from './table.js';

/** The normal client's connections: a person's app, not a load test. */
export const NORMAL_CONNECTIONS = 2;
/** Anonymous flood: twice MAX_IN_FLIGHT_PER_CLIENT's default, from one address. */
export const ANONYMOUS_FLOOD_CONNECTIONS = 32;
/** Signed-in flood: each token fills its whole share (MAX_IN_FLIGHT_PER_CLIENT's default). */
export const CONNECTIONS_PER_FLOODER_TOKEN = 16;
/** How often the gateway's health and metrics are read while a phase is measured. */
const WATCH_EVERY_MS = 250;

/** Where the flooded gateway answers: `base` and `graphql` on the public port, `healthz` and `metrics` on the operational listener. */
export interface FloodTarget {
  base: string;
  graphql: string;
  healthz: string;
  metrics: string;
}

export interface FloodOptions {
  gateway: FloodTarget;
  /** The normal client's query, and the scenario it comes from (for the heading). */
  normalQuery: string;
  normalName: string;
  normalToken: string;
  /** One access token per signed-in flooder. */
  flooderTokens: string[];
  durationSeconds: number;
  warmupSeconds: number;
  /** The settings that decide the outcome, as the gateway got them, for the heading. */
  settings: Record<string, string>;
  progress: (line: string) => void;
}

/** What one phase measured. */
export interface FloodPhase {
  phase: string;
  floodConnections: number;
  normal: {
    /** Responses received while measured. */
    answered: number;
    requestsPerSecond: number;
    p50Ms: number | null;
    p99Ms: number | null;
    errors: number;
    /** Requests sent but not answered by the end of the window (cut; at most one per connection). */
    unanswered: number;
    /** Errors by `status code` (`503 client-in-flight`, `200 GATEWAY_TIMEOUT`, `transport`). */
    errorKinds: Record<string, number>;
  };
  /** The flood's answers while the normal client was measured, by `200`, `429`, `503 <reason>` or other status. */
  floodAnswers: Record<string, number>;
  /** Flood responses per second while measured, all statuses. */
  floodAnswersPerSecond: number;
  /** Connection errors and timeouts over the flood's whole run. */
  floodTransportErrors: number;
  gateway: Watched & {
    /** `gateway_requests_in_flight` once the flood has stopped and settled (it should be 0). */
    inFlightAfter: number | null;
  };
}

export interface FloodReport {
  normalName: string;
  settings: Record<string, string>;
  phases: FloodPhase[];
}

const json = { 'content-type': 'application/json' };
const bearer = (token: string) => ({ ...json, authorization: `Bearer ${token}` });

/** Runs the three phases one after the other on `gateway`. */
export async function runFlood(options: FloodOptions): Promise<FloodReport> {
  const { gateway, durationSeconds, warmupSeconds, progress } = options;
  const floodBody = JSON.stringify({ query: MOST_EXPENSIVE_ALLOWED });
  const phases: { phase: string; flooders: Record<string, string>[]; connections: number }[] = [
    { phase: 'alone', flooders: [], connections: 0 },
    { phase: 'anonymous flood', flooders: [json], connections: ANONYMOUS_FLOOD_CONNECTIONS },
    { phase: 'signed-in flood', flooders: options.flooderTokens.map(bearer), connections: CONNECTIONS_PER_FLOODER_TOKEN },
  ];
  const results: FloodPhase[] = [];
  for (const { phase, flooders, connections } of phases) {
    let measuring = false;
    const floodAnswers: Record<string, number> = {};
    const floods: RunningLoad[] = flooders.map((headers) =>
      startLoad({
        baseUrl: gateway.base,
        body: floodBody,
        headers,
        connections,
        // Stopped once the normal client is done.
        durationSeconds: warmupSeconds + durationSeconds + 600,
        onResponse: (status, body) => {
          if (measuring) floodAnswers[answerKey(status, body)] = (floodAnswers[answerKey(status, body)] ?? 0) + 1;
        },
      }),
    );
    const floodConnections = flooders.length * connections;
    if (warmupSeconds > 0) {
      progress(`flood, ${phase}: ${floodConnections > 0 ? `${floodConnections} flood connections, ` : ''}warming up for ${warmupSeconds} s…`);
      if (floods.length > 0) await delay(warmupSeconds * 1_000);
      else await normalLoad(options, warmupSeconds, {}).done;
    }
    progress(`flood, ${phase}: measuring the normal client for ${durationSeconds} s…`);
    const errorKinds: Record<string, number> = {};
    measuring = true;
    const watch = watchGateway(gateway);
    const normal = await normalLoad(options, durationSeconds, errorKinds).done;
    measuring = false;
    const watched = await watch.stop();
    for (const flood of floods) flood.stop();
    const floodRuns = await Promise.all(floods.map((flood) => flood.done));
    const inFlightAfter = await settledInFlight(gateway.metrics);
    results.push(phaseResult(phase, floodConnections, normal, errorKinds, floodAnswers, floodRuns, watched, inFlightAfter));
  }
  return { normalName: options.normalName, settings: options.settings, phases: results };
}

function normalLoad(options: FloodOptions, seconds: number, errorKinds: Record<string, number>): RunningLoad {
  return startLoad({
    baseUrl: options.gateway.base,
    body: JSON.stringify({ query: options.normalQuery }),
    headers: bearer(options.normalToken),
    connections: NORMAL_CONNECTIONS,
    durationSeconds: seconds,
    onResponse: (status, body) => {
      if (status >= 300 || body.includes('"errors":[')) errorKinds[answerKey(status, body)] = (errorKinds[answerKey(status, body)] ?? 0) + 1;
    },
  });
}

/** `200`, `200 <first error code>`, `503 <reason>`, or the status and first error code. */
function answerKey(status: number, body: string): string {
  const reason = /"reason":"([^"]+)"/.exec(body)?.[1];
  if (status === 503 && reason) return `503 ${reason}`;
  const code = /"code":"([^"]+)"/.exec(body)?.[1];
  if (status === 200) return body.includes('"errors":[') ? `200 ${code ?? 'with errors'}` : '200';
  return code ? `${status} ${code}` : String(status);
}

function phaseResult(
  phase: string,
  floodConnections: number,
  normal: LoadRun,
  errorKinds: Record<string, number>,
  floodAnswers: Record<string, number>,
  floodRuns: LoadRun[],
  watched: Watched,
  inFlightAfter: number | null,
): FloodPhase {
  if (normal.transportErrors > 0) errorKinds.transport = normal.transportErrors;
  const answered = Object.values(floodAnswers).reduce((sum, n) => sum + n, 0);
  return {
    phase,
    floodConnections,
    normal: {
      answered: normal.responses,
      requestsPerSecond: normal.seconds > 0 ? normal.responses / normal.seconds : 0,
      p50Ms: percentile(normal.latenciesMs, 50),
      p99Ms: percentile(normal.latenciesMs, 99),
      errors: normal.non2xx + normal.transportErrors + normal.graphqlErrors,
      unanswered: Math.max(0, normal.sent - normal.responses - normal.transportErrors),
      errorKinds,
    },
    floodAnswers,
    floodAnswersPerSecond: normal.seconds > 0 ? answered / normal.seconds : 0,
    floodTransportErrors: floodRuns.reduce((sum, run) => sum + run.transportErrors, 0),
    gateway: { ...watched, inFlightAfter },
  };
}

/** The worst the gateway showed while a phase ran. */
interface Watched {
  maxInFlight: number | null;
  maxEventLoopDelayMs: number | null;
  maxHeapUsedPercent: number | null;
  peakRssMb: number | null;
  healthzMaxMs: number;
  healthzFailures: number;
  healthzChecks: number;
}

/** Reads `/healthz` and `/metrics` every WATCH_EVERY_MS until stopped, keeping the worst of each. */
function watchGateway(gateway: FloodTarget): { stop(): Promise<Watched> } {
  const watched: Watched = {
    maxInFlight: null,
    maxEventLoopDelayMs: null,
    maxHeapUsedPercent: null,
    peakRssMb: null,
    healthzMaxMs: 0,
    healthzFailures: 0,
    healthzChecks: 0,
  };
  const max = (current: number | null, value: number | null) => (value === null ? current : Math.max(current ?? value, value));
  let running = true;
  const loop = (async () => {
    while (running) {
      const [health, samples] = await Promise.all([checkHealth(gateway.healthz), scrapeMetrics(gateway.metrics)]);
      watched.healthzChecks += 1;
      watched.healthzMaxMs = Math.max(watched.healthzMaxMs, health.ms);
      if (!health.healthy) watched.healthzFailures += 1;
      const scaled = (name: string, by: number) => {
        const value = metricSum(samples, name);
        return value === null ? null : value * by;
      };
      watched.maxInFlight = max(watched.maxInFlight, scaled('gateway_requests_in_flight', 1));
      watched.maxEventLoopDelayMs = max(watched.maxEventLoopDelayMs, scaled('gateway_event_loop_delay_seconds', 1_000));
      watched.maxHeapUsedPercent = max(watched.maxHeapUsedPercent, scaled('gateway_heap_used_ratio', 100));
      watched.peakRssMb = max(watched.peakRssMb, scaled('process_resident_memory_bytes', 2 ** -20));
      await delay(WATCH_EVERY_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return watched;
    },
  };
}

/** `gateway_requests_in_flight` once it reaches 0, or its value after 10 s. */
async function settledInFlight(metricsUrl: string): Promise<number | null> {
  let value: number | null = null;
  for (let i = 0; i < 50; i++) {
    value = metricSum(await scrapeMetrics(metricsUrl), 'gateway_requests_in_flight');
    if (value === null || value === 0) return value;
    await delay(200);
  }
  return value;
}

/** The three phases as three tables: the normal client, the flood's answers, the gateway. */
export function floodTables(report: FloodReport): string {
  const { phases, settings, normalName } = report;
  const heading = [
    `flood: a normal client (${NORMAL_CONNECTIONS} connections, signed in, the \`${normalName}\` query) alone, then while others send the most expensive allowed query (cost 4,808 of 5,000)`,
    `  as fast as they are answered: ${ANONYMOUS_FLOOD_CONNECTIONS} anonymous connections (one address), then ${CONNECTIONS_PER_FLOODER_TOKEN} connections for each of ${phases[2] ? phases[2].floodConnections / CONNECTIONS_PER_FLOODER_TOKEN : 0} signed-in demo accounts.`,
    `  The cost budget is out of reach (${settingList(settings, ['RATE_LIMIT_COST_ANONYMOUS', 'RATE_LIMIT_COST_SIGNED_IN'])}):`,
    `  overload protection alone holds the flood (${settingList(settings, ['MAX_IN_FLIGHT_REQUESTS', 'MAX_IN_FLIGHT_PER_CLIENT', 'SHED_EVENT_LOOP_DELAY_MS', 'SHED_HEAP_USED_PERCENT'])}).`,
  ];
  const normal = table(
    ['normal client', 'answered', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'unanswered at end', 'errors by kind'],
    phases.map((p) => [
      p.phase,
      String(p.normal.answered),
      fixed(p.normal.requestsPerSecond, 0),
      fixed(p.normal.p50Ms, 1),
      fixed(p.normal.p99Ms, 1),
      String(p.normal.errors),
      String(p.normal.unanswered),
      p.normal.errors === 0 ? '' : counts(p.normal.errorKinds),
    ]),
  );
  const flooded = phases.filter((p) => p.floodConnections > 0);
  const flood = table(
    ['flood, while measured', 'connections', 'answers/s', '200', '429', '503', 'other', 'by kind'],
    flooded.map((p) => {
      const of = (match: (key: string) => boolean) =>
        Object.entries(p.floodAnswers)
          .filter(([key]) => match(key))
          .reduce((sum, [, n]) => sum + n, 0);
      const known = (key: string) => key.startsWith('200') || key.startsWith('429') || key.startsWith('503');
      return [
        p.phase,
        String(p.floodConnections),
        fixed(p.floodAnswersPerSecond, 0),
        String(of((key) => key.startsWith('200'))),
        String(of((key) => key.startsWith('429'))),
        String(of((key) => key.startsWith('503'))),
        String(of((key) => !known(key)) + p.floodTransportErrors),
        counts(p.floodAnswers),
      ];
    }),
  );
  const gateway = table(
    ['gateway, while measured', 'max in flight', 'max loop delay ms', 'max heap %', 'peak RSS MB', '/healthz max ms', '/healthz failed', 'in flight after'],
    phases.map((p) => [
      p.phase,
      fixed(p.gateway.maxInFlight, 0),
      fixed(p.gateway.maxEventLoopDelayMs, 1),
      fixed(p.gateway.maxHeapUsedPercent, 1),
      fixed(p.gateway.peakRssMb, 0),
      fixed(p.gateway.healthzMaxMs, 0),
      `${p.gateway.healthzFailures}/${p.gateway.healthzChecks}`,
      fixed(p.gateway.inFlightAfter, 0),
    ]),
  );
  return [...heading, '', normal, '', flood, '', gateway].join('\n');
}

function settingList(settings: Record<string, string>, names: string[]): string {
  return names.map((name) => `${name}=${settings[name] ?? 'default'}`).join(', ');
}
