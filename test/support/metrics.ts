import assert from 'node:assert/strict';

/** The URL of another route on the gateway that serves `graphqlUrl`. */
export function route(graphqlUrl: string, path: '/healthz' | '/readyz' | '/metrics'): string {
  return graphqlUrl.replace(/\/graphql$/, path);
}

/** Every sample of the gateway's `/metrics` (Prometheus text), keyed `name{label="value",...}` as printed. */
export async function scrape(graphqlUrl: string): Promise<Map<string, number>> {
  const response = await fetch(route(graphqlUrl, '/metrics'));
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
