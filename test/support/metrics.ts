import assert from 'node:assert/strict';
import type { Gateway } from '../../src/gateway.js';

/** Anything that knows a gateway's operational listener: a `Gateway`, or a `TestStack` for its main one. */
export type OperationalListener = Pick<Gateway, 'adminUrl'>;

/** The URL of an operational endpoint of `gateway`, on its own listener (not the GraphQL port). */
export function route(gateway: OperationalListener, path: '/healthz' | '/readyz' | '/metrics'): string {
  return `${gateway.adminUrl}${path}`;
}

/** Every sample of the gateway's `/metrics` (Prometheus text), keyed `name{label="value",...}` as printed. */
export async function scrape(gateway: OperationalListener): Promise<Map<string, number>> {
  const response = await fetch(route(gateway, '/metrics'));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/** The sample of `name` whose labels include `labels` (0 when there is none yet), from `scrape`. */
export function sampleOf(samples: ReadonlyMap<string, number>, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const [key, value] of samples) {
    if ((key === name || key.startsWith(`${name}{`)) && wanted.every((label) => key.includes(label))) return value;
  }
  return 0;
}
