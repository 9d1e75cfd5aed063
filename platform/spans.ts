import { SpanStatusCode, type Span } from '@opentelemetry/api';

/** Records `error` on `span` and marks the span failed, as every span of the project reports a failure. */
export function markFailed(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
}

/** Runs `run`, marks `span` failed if it throws, and ends it either way. */
export async function endingWith<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
