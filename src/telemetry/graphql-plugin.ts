import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { REQUEST_ID_HEADER } from './http-metrics.js';
import { activeOperationSpan } from './tracing.js';

/** How a GraphQL request ended: all data, data with errors, or no data. */
export type OperationOutcome = 'success' | 'partial' | 'error';

/**
 * Observes every GraphQL request once it is answered:
 * - the operation span (see `graphqlOperationSpan`) is named `graphql query Feed`
 *   (its child `query Feed` is graphql-js's execution step),
 *   carries the operation's name, type and document hash (SHA-256 of the
 *   query text, as Apollo computes it) and, when the response has errors,
 *   the ERROR status and their codes in `graphql.error.codes`;
 * - `graphql_operations_total` and `graphql_operation_duration_seconds` move;
 * - one log line records the request id, operation, outcome, duration, error
 *   codes and variables (secrets redacted by the logger), with the trace id.
 */
export function telemetryPlugin<TContext extends BaseContext>(metrics: GatewayMetrics, logger: Logger): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ request }) {
      const startedAt = process.hrtime.bigint();
      const span = activeOperationSpan();
      let validated = false;
      let operationType = 'unknown';
      return {
        async didResolveOperation({ operation, operationName }) {
          // Reached only by documents that parsed and validated against the schema.
          validated = true;
          operationType = operation?.operation ?? 'unknown';
          span?.updateName(`graphql ${operationType} ${operationName ?? 'anonymous'}`);
          span?.setAttributes({ 'graphql.operation.type': operationType, 'graphql.operation.name': operationName ?? '' });
        },
        async willSendResponse({ response, operationName, queryHash }) {
          const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
          const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const errors = result.errors ?? [];
          const codes = [...new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          const outcome: OperationOutcome =
            errors.length === 0 ? 'success' : result.data !== undefined && result.data !== null ? 'partial' : 'error';
          const name = metrics.operationLabel(operationName, validated);
          metrics.graphqlOperations.inc({ operation_name: name, operation_type: operationType, outcome });
          metrics.graphqlDuration.observe({ operation_name: name, operation_type: operationType }, seconds);

          if (span) {
            if (queryHash) span.setAttribute('graphql.document.hash', queryHash);
            span.setAttribute('graphql.outcome', outcome);
            if (codes.length > 0) {
              span.setAttribute('graphql.error.codes', codes);
              span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]?.message });
            }
          }
          logger.info(
            {
              requestId: request.http?.headers.get(REQUEST_ID_HEADER) ?? undefined,
              operationName: operationName ?? undefined,
              operationType,
              outcome,
              durationMs: Math.round(seconds * 1e4) / 10,
              errorCodes: codes.length > 0 ? codes : undefined,
              variables: request.variables,
            },
            'graphql request',
          );
        },
      };
    },
  };
}
