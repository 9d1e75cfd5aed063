import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { propagation, type Context } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** What one process reports itself as, and what it instruments. */
export interface TelemetryOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` says otherwise (`pinstack-gateway`, `pinstack-users`). */
  serviceName: string;
  /**
   * The instrumentations, created only once tracing starts: an
   * instrumentation enables itself when constructed, and would patch (and
   * slow) every call it wraps even with tracing off.
   */
  instrumentations: () => Instrumentation[];
  /** Processors that see every span before it is exported, such as the gateway's scrubbing of query text. */
  spanProcessors?: SpanProcessor[];
}

/** Longest a shutdown waits for the last spans to reach the collector. */
const FLUSH_TIMEOUT_MS = 3_000;

let sdk: NodeSDK | undefined;

/**
 * Whether tracing is off: switched off with the standard `OTEL_SDK_DISABLED=true`,
 * or with no collector configured (neither `OTEL_EXPORTER_OTLP_ENDPOINT` nor
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). The SDK would otherwise send to
 * localhost:4318 whether or not anything listens there, retrying each batch
 * for seconds, including the last one at shutdown.
 */
export function telemetryDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return true;
  return !env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
}

/**
 * Starts OpenTelemetry tracing for this process. It must run before the
 * application's modules load (from a module given to `node --import`), because
 * ESM modules can only be patched by the loader hook registered here.
 *
 * Spans go over OTLP/HTTP (JSON) to `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (`http://jaeger:4318`); see `telemetryDisabled` for when nothing starts. Root spans are sampled at `OTEL_TRACES_SAMPLER_ARG`
 * (a ratio, default 1) and child spans follow their parent's decision, unless
 * `OTEL_TRACES_SAMPLER` names another sampler. W3C trace context and baggage
 * are the propagators (the SDK's default).
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk || telemetryDisabled()) return;
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  // Metrics are served by prom-client on /metrics and logs go to stdout: the
  // SDK's own OTLP metric and log exporters would only retry against a
  // collector that may not exist, and hold up shutdown while they do.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const serviceName = process.env.OTEL_SERVICE_NAME?.trim() || options.serviceName;
  sdk = new NodeSDK({
    serviceName,
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: packageVersion() }),
    spanProcessors: [new BaggageAttributes(), ...(options.spanProcessors ?? []), new BatchSpanProcessor(new OTLPTraceExporter())],
    ...(process.env.OTEL_TRACES_SAMPLER ? {} : { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplingRatio()) }) }),
    instrumentations: options.instrumentations(),
  });
  sdk.start();
}

/** Whether tracing runs in this process: the code that makes spans of its own skips them, for nothing, when it does not. */
export function tracingStarted(): boolean {
  return sdk !== undefined;
}

/**
 * Sends the spans still buffered and stops tracing; waits at most a few
 * seconds, so that an unreachable collector never holds up an exit. Does
 * nothing when tracing was not started.
 */
export async function shutdownTelemetry(): Promise<void> {
  const running = sdk;
  if (!running) return;
  sdk = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** Most baggage entries copied onto one span, and the longest value kept: callers choose baggage. */
const MAX_BAGGAGE_ENTRIES = 10;
const MAX_BAGGAGE_VALUE = 128;

/**
 * Copies the W3C baggage a span starts with onto it as `baggage.<key>`
 * attributes, so that what a caller put in `baggage` (a tenant, a test run)
 * can be searched for in every process of the trace.
 */
class BaggageAttributes implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const entries = propagation.getBaggage(parentContext)?.getAllEntries() ?? [];
    for (const [key, entry] of entries.slice(0, MAX_BAGGAGE_ENTRIES)) {
      span.setAttribute(`baggage.${key}`, entry.value.slice(0, MAX_BAGGAGE_VALUE));
    }
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function samplingRatio(): number {
  const ratio = Number(process.env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1;
}

/** The version in the nearest package.json above this module (it runs from source and from dist/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return '0.0.0';
      dir = parent;
    }
  }
}
