/**
 * `npm run bench -- --hostile`: sends each hostile request shape of
 * test/support/hostile-requests.ts once to the gateway process, anonymous,
 * and reports how it was answered, how long that took, what it cost upstream
 * and how the gateway fared after it. Each answer is checked against the
 * shape's `expected` answer, as test/demand-control/hostile-requests.test.ts
 * does in process.
 */
import { HOSTILE_REQUESTS, slowDrip, slowHeaders, type HostileAnswer, type HostileRequest } from '../test/support/hostile-requests.js';
import { checkHealth, gatewayRssMb, settledRpcCount } from './measure.js';
import { fixed, markdownTable } from './table.js';

/** Where one gateway process answers: `healthz` and `metrics` are on its operational listener, not the GraphQL port. */
export interface GatewayUrls {
  graphql: string;
  healthz: string;
  metrics: string;
}

/** One row of the table. */
export interface HostileRow {
  shape: string;
  /** Which gateway it was sent to: `main`, or `patient` for the slow clients. */
  gateway: string;
  answer: HostileAnswer;
  expected: HostileRequest['expected'];
  ms: number;
  /** Growth of the gateway's `gateway_grpc_client_calls_total` while it was answered; null without that metric. */
  rpcs: number | null;
  /** `/healthz` answered 200 right after. */
  healthy: boolean;
  /** The gateway's `process_resident_memory_bytes` right after, in MB. */
  rssMb: number | null;
  /** Where the answer differs from what was expected; empty when it is as expected. */
  problems: string[];
}

export interface HostileReport {
  /** The gateway's resident memory before the first shape, in MB. */
  rssBeforeMb: number | null;
  rows: HostileRow[];
}

/** What the slow-client shapes expect: cut with 408 once the timeout passes, before anything runs. */
const SLOW_CLIENT_EXPECTED: HostileRequest['expected'] = { status: 408, code: 'BAD_REQUEST' };

/**
 * Sends each of HOSTILE_REQUESTS to `main`, then a dripped body and dripped
 * headers to `patient` (a gateway with HTTP_REQUEST_TIMEOUT_MS and
 * HTTP_HEADERS_TIMEOUT_MS at 1000), one at a time.
 */
export async function runHostile(main: GatewayUrls, patient: GatewayUrls, progress: (line: string) => void): Promise<HostileReport> {
  // Once, so that the first row does not pay for the first request's compilation and channels.
  const warmUp = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ user(id: "usr_1") { id } }' }) };
  for (const gateway of [main, patient]) await fetch(gateway.graphql, warmUp).then((response) => response.text());
  const rssBeforeMb = await gatewayRssMb(main.metrics);
  const rows: HostileRow[] = [];
  const shapes: { shape: string; gateway: string; urls: GatewayUrls; request: HostileRequest }[] = [
    ...HOSTILE_REQUESTS.map((request) => ({ shape: request.shape, gateway: 'main', urls: main, request })),
    {
      shape: 'a body dripped a byte every 100 ms (HTTP_REQUEST_TIMEOUT_MS=1000)',
      gateway: 'patient',
      urls: patient,
      request: { shape: 'slow drip', expected: SLOW_CLIENT_EXPECTED, refusedBeforeExecution: true, send: (url) => slowDrip(url, 100) },
    },
    {
      shape: 'headers dripped a line every 100 ms (HTTP_HEADERS_TIMEOUT_MS=1000)',
      gateway: 'patient',
      urls: patient,
      request: { shape: 'slow headers', expected: SLOW_CLIENT_EXPECTED, refusedBeforeExecution: true, send: (url) => slowHeaders(url, 100) },
    },
  ];
  for (const { shape, gateway, urls, request } of shapes) {
    progress(`  ${shape}…`);
    const before = await settledRpcCount(urls.metrics);
    const startedAt = performance.now();
    const answer = await request.send(urls.graphql);
    const ms = performance.now() - startedAt;
    const after = await settledRpcCount(urls.metrics);
    const { healthy } = await checkHealth(urls.healthz);
    const rssMb = await gatewayRssMb(urls.metrics);
    const rpcs = before === null || after === null ? null : after - before;
    rows.push({ shape, gateway, answer, expected: request.expected, ms, rpcs, healthy, rssMb, problems: problems(request, answer, rpcs, healthy) });
  }
  return { rssBeforeMb, rows };
}

function problems(request: HostileRequest, answer: HostileAnswer, rpcs: number | null, healthy: boolean): string[] {
  const { expected } = request;
  const found: string[] = [];
  if (answer.status !== expected.status) found.push(`status ${answer.status}, expected ${expected.status}`);
  if (answer.code !== expected.code) found.push(`code ${answer.code ?? 'none'}, expected ${expected.code ?? 'none'}`);
  if (expected.limit !== undefined && answer.limit !== expected.limit) found.push(`limit ${answer.limit ?? 'none'}, expected ${expected.limit}`);
  if (request.refusedBeforeExecution && rpcs !== null && rpcs > 0) found.push(`${rpcs} RPCs sent for a request refused before execution`);
  if (!request.refusedBeforeExecution && !answer.ran) found.push('did not run');
  if (!healthy) found.push('/healthz did not answer 200 after it');
  return found;
}

/** The report as a markdown table, then either "all as expected" or the list of differences. */
export function hostileTable(report: HostileReport): string {
  const rows = report.rows.map((row) => [
    row.gateway === 'main' ? row.shape : `${row.shape} †`,
    String(row.answer.status),
    row.answer.code === undefined ? '—' : row.answer.limit === undefined ? row.answer.code : `${row.answer.code} (${row.answer.limit})`,
    fixed(row.ms, 0),
    row.rpcs === null ? 'n/a' : String(row.rpcs),
    row.healthy ? 'yes' : 'NO',
    fixed(row.rssMb, 0),
    row.problems.length === 0 ? '✓' : '✗',
  ]);
  const failures = report.rows.filter((row) => row.problems.length > 0);
  return [
    `Hostile requests, each sent once, anonymous, to the gateway process with the default limits (gateway RSS before: ${fixed(report.rssBeforeMb, 0)} MB).`,
    '† sent to a second gateway started with HTTP_REQUEST_TIMEOUT_MS=1000 and HTTP_HEADERS_TIMEOUT_MS=1000; its RPCs, health and RSS are its own.',
    '',
    markdownTable(['shape', 'HTTP status', 'code (limit)', 'ms', 'RPCs', 'healthy', 'gateway RSS MB', 'as expected'], rows, [1, 3, 4, 6]),
    '',
    failures.length === 0
      ? `All ${report.rows.length} answers as expected (status, code, limit; no RPC for a refused request; /healthz 200 after each).`
      : [`${failures.length} of ${report.rows.length} answers NOT as expected:`, ...failures.map((row) => `  - ${row.shape}: ${row.problems.join('; ')}`)].join('\n'),
  ].join('\n');
}
