/**
 * Tracing for the gateway process; load it before the gateway:
 *
 *   node --import ./dist/src/instrumentation.js dist/src/main.js
 *
 * Spans: the HTTP server span of each request, the GraphQL operation and its
 * parse, validate and execute steps, resolvers that fetch (see
 * `GRAPHQL_RESOLVER_SPANS`), one span per DataLoader batch, the gRPC client
 * calls and Redis commands.
 */
import type { IncomingMessage } from 'node:http';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { startTelemetry } from '../services/common/telemetry.js';

/** Probes and scrapes arrive every few seconds and would bury the traces of real requests. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * `GRAPHQL_RESOLVER_SPANS`: `fetching` (default) traces fields with a resolver
 * of their own, the ones that may call a service, and skips plain properties;
 * `all` traces every field; `none` traces no field.
 */
const resolverSpans = process.env.GRAPHQL_RESOLVER_SPANS?.trim() || 'fetching';

startTelemetry({
  serviceName: 'pinstack-gateway',
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
      // The gateway itself sends no HTTP requests worth a span; the exporter's own would loop.
      ignoreOutgoingRequestHook: () => true,
    }),
    new GraphQLInstrumentation({
      ignoreResolveSpans: resolverSpans === 'none',
      ignoreTrivialResolveSpans: resolverSpans !== 'all',
      // One span per field of a list, not one per item: a feed of 50 posts stays readable.
      mergeItems: true,
    }),
    new GrpcInstrumentation(),
    new IORedisInstrumentation(),
  ],
});
