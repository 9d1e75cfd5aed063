/**
 * Runs one baseline target of the bench as a process of its own, so that its
 * CPU time and memory are measured apart, as the gateway's are:
 *
 *   node dist/bench/baselines/main.js bare|floor|otlp-sink
 *
 * It reads the gateway's variables (service addresses, JWT_*, SERVICE_SECRET),
 * listens on HOST:PORT (default 127.0.0.1 and a free port), prints
 * `listening on <url>` once it does, and stops on SIGTERM or SIGINT.
 * bench/run.ts starts it from the build, as it starts the gateway.
 */
import { startBare } from './bare.js';
import type { BaselineServer } from './feed.js';
import { startFloor } from './floor.js';
import { startOtlpSink } from './otlp-sink.js';

const TARGETS: Record<string, (options: { host: string; port: number }) => Promise<BaselineServer>> = {
  bare: startBare,
  floor: startFloor,
  'otlp-sink': startOtlpSink,
};

const name = process.argv[2] ?? '';
const start = TARGETS[name];
if (!start) {
  console.error(`usage: node dist/bench/baselines/main.js ${Object.keys(TARGETS).join('|')}`);
  process.exit(2);
}
const server = await start({ host: process.env.HOST?.trim() || '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(`listening on ${server.url}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
