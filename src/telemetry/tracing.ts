import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { RequestHandler } from 'express';
import { endingWith } from '../../platform/spans.js';
import { tracingStarted } from '../../platform/telemetry.js';

/** The gateway's own spans; the instrumentations add HTTP, GraphQL, gRPC and Redis spans around them. */
export const tracer = trace.getTracer('pinstack-gateway');

/** Operation spans opened by `graphqlOperationSpan`, so the plugin finds its own and no other. */
const operationSpans = new WeakSet<Span>();

/**
 * Express middleware for the GraphQL route: names the HTTP server span after
 * the route (`POST /graphql`) and opens the span of the GraphQL operation,
 * active while Apollo handles the request, so that parsing, validation,
 * resolvers, DataLoader batches and gRPC calls become its children. The
 * telemetry plugin names it once the operation is known (`graphql query Feed`) and sets
 * its outcome; it ends when the response is done.
 */
export function graphqlOperationSpan(route: string): RequestHandler {
  return (_req, res, next) => {
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type === RPCType.HTTP) rpc.route = route;
    const span = tracer.startSpan('graphql.operation', { kind: SpanKind.INTERNAL });
    if (!span.isRecording()) {
      span.end();
      next();
      return;
    }
    operationSpans.add(span);
    res.once('close', () => span.end());
    context.with(trace.setSpan(context.active(), span), () => next());
  };
}

/** The operation span of the request being handled, if it is traced. */
export function activeOperationSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span && operationSpans.has(span) ? span : undefined;
}

/**
 * Runs one DataLoader batch inside a span `dataloader.batch <loader>` that
 * records how many keys it carries; the batch RPC becomes its child.
 */
export function traceLoaderBatch<T>(loader: string, size: number, run: () => Promise<T>): Promise<T> {
  // Without tracing, a span and a context switch per batch would be made for nothing.
  if (!tracingStarted()) return run();
  return tracer.startActiveSpan(
    `dataloader.batch ${loader}`,
    { kind: SpanKind.INTERNAL, attributes: { 'dataloader.name': loader, 'dataloader.batch.size': size } },
    (span) => endingWith(span, run),
  );
}
