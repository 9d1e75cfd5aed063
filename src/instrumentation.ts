/**
 * Tracing for the gateway process; load it before the gateway:
 *
 *   node --import ./dist/src/instrumentation.js dist/src/main.js
 *
 * Spans: the HTTP server span of each request, the GraphQL operation and its
 * parse, validate and execute steps, root fields (see `GRAPHQL_RESOLVER_SPANS`), one span per DataLoader batch, the gRPC client
 * calls and Redis commands.
 */
import type { IncomingMessage } from 'node:http';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { startTelemetry } from '../platform/telemetry.js';
import { QueryTextScrubber, redactedQueryAttributes, redisStatement } from './telemetry/span-redaction.js';
import { resolverSpansMode } from './telemetry/resolver-spans-mode.js';

/** Probes and scrapes arrive every few seconds and would bury the traces of real requests. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

startTelemetry({
  serviceName: 'pinstack-gateway',
  instrumentations: () => [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
      // The gateway itself sends no HTTP requests worth a span; the exporter's own would loop.
      ignoreOutgoingRequestHook: () => true,
      // GraphQL over GET puts the query text and the variables in the URL: only parameter names are kept.
      startIncomingSpanHook: redactedQueryAttributes,
    }),
    new GraphQLInstrumentation({
      // Its resolver spans wrap every field of the schema; the gateway traces
      // root fields itself (see traceRootFields), unless every field is asked for.
      ignoreResolveSpans: resolverSpansMode() !== 'all',
      // One span per field of a list, not one per item: a feed of 50 posts stays readable.
      mergeItems: true,
      // The default, said out loud: no variable becomes an attribute, and literals are
      // masked in `graphql.source` (which QueryTextScrubber then drops), since a password may be either.
      allowValues: false,
    }),
    new GrpcInstrumentation(),
    // Commands without their arguments: a persisted query's text (its literals too) is one.
    new IORedisInstrumentation({ dbStatementSerializer: redisStatement }),
  ],
  // No query text on any span: a secret may be written in it (see QueryTextScrubber).
  spanProcessors: [new QueryTextScrubber()],
});
