/**
 * What the instrumentations of `src/instrumentation.ts` may put on a span, so
 * that no value a client sent (a variable, a literal of the query text) is
 * exported. This module is loaded before the instrumentations patch anything:
 * it must import neither graphql nor a client library.
 */
import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The value that stands for a query parameter's on the HTTP server span. */
export const REDACTED_PARAMETER = 'REDACTED';

/**
 * `startIncomingSpanHook` of the HTTP instrumentation: `url.query` with every
 * parameter's value replaced. GraphQL over HTTP GET carries the query text,
 * its literals and the variables in the URL (`?query=...&variables=...`),
 * and the server span is started before anything can refuse the request.
 */
export function redactedQueryAttributes(request: IncomingMessage): Attributes {
  const url = request.url ?? '';
  const start = url.indexOf('?');
  if (start < 0) return {};
  const names = [...new Set(new URLSearchParams(url.slice(start + 1)).keys())];
  return { 'url.query': names.map((name) => `${encodeURIComponent(name)}=${REDACTED_PARAMETER}`).join('&') };
}

/**
 * `dbStatementSerializer` of the Redis instrumentation: the command and how
 * many arguments it had. The default serializer writes every argument of
 * EVAL and EVALSHA, and the persisted-query store's script is given the query
 * text, literals and all; keys are left out too, as they are made from what
 * clients send (document hashes, addresses).
 */
export function redisStatement(command: string, args: readonly unknown[]): string {
  return args.length === 0 ? command : `${command} [${args.length} arguments]`;
}

/** The attribute in which the GraphQL instrumentation records the query text (its string and number literals masked). */
export const GRAPHQL_SOURCE_ATTRIBUTE = 'graphql.source';

/** graphql-js steps whose errors quote the query text: a syntax error its tokens, a validation error its literals. */
const QUOTING_STEPS = new Set(['graphql.parse', 'graphql.validate']);

/**
 * Takes what quotes the query text off GraphQL spans before they are
 * exported: `graphql.source` on every span, and the message and stack of the
 * errors that parsing and validation record. `allowValues: false` masks only
 * string and number literals: a password sent unquoted (`password: hunter2`)
 * is a name to the lexer and would be kept in the source, and quoted again by
 * the validation error (`String cannot represent a non string value: hunter2`).
 * The operation span names the document instead (name, type and hash), and
 * the error codes; the client has the messages in its response.
 */
export class QueryTextScrubber implements SpanProcessor {
  onStart(): void {}

  // Called while the span can still change, before any processor exports it.
  onEnding(span: Span): void {
    delete span.attributes[GRAPHQL_SOURCE_ATTRIBUTE];
    if (!QUOTING_STEPS.has(span.name)) return;
    for (const event of span.events) {
      if (event.name !== 'exception' || !event.attributes) continue;
      delete event.attributes['exception.message'];
      delete event.attributes['exception.stacktrace'];
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
