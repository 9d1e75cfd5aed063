import { trace } from '@opentelemetry/api';

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|credential/i;

export const REDACTED = '[Redacted]';

/**
 * Pino's `redact` paths for the places secrets sit in well-known shapes
 * (request headers). Objects of unknown shape, such as GraphQL variables, go
 * through `redactSecrets` as well.
 */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  'token',
  'accessToken',
];

/** Deepest nesting `redactSecrets` looks into; anything deeper is dropped, not passed on unread. */
const MAX_REDACTION_DEPTH = 8;

/** What stands for an object or list nested deeper than `redactSecrets` looks. */
export const TOO_DEEP = '[Too deep]';

/**
 * A copy of `value` with every property whose name looks like a secret
 * (password, token, authorization, ...) replaced by `[Redacted]`, down to 8
 * levels; an object or list nested deeper is replaced by `[Too deep]`, since a
 * secret could sit in it. This is the rule by name; what the schema marks
 * `@sensitive` is redacted by `src/telemetry/sensitive-variables.ts`.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_REDACTION_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : redactSecrets(item, depth + 1)]),
  );
}

/**
 * Pino `mixin`: the trace and span of the code that logs, so that a log line
 * leads to its trace (and back). Empty when nothing is being traced.
 */
export function traceContextMixin(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !trace.isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}
