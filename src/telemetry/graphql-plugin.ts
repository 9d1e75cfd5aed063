import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { SpanStatusCode } from '@opentelemetry/api';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { redactSecrets } from '../../platform/log-context.js';
import { capForLog } from './log-capping.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';
import { REQUEST_ID_HEADER } from './http-metrics.js';
import { SensitiveVariables } from './sensitive-variables.js';
import { activeOperationSpan } from './tracing.js';

/** How a GraphQL request ended: all data, data with errors, or no data. */
export type OperationOutcome = 'success' | 'partial' | 'error';

/** What the telemetry plugin needs besides the metrics and the logger. */
export interface TelemetryPluginOptions {
  /** The schema requests run against: its `@sensitive` arguments and input fields say which variables are secrets. */
  schema: GraphQLSchema;
  /**
   * `LOG_VARIABLES`: whether the request's log line carries its variables,
   * redacted (by the schema and by name) and capped (see `capForLog`). Off by
   * default, as in Apollo Router: variables are the client's data.
   */
  logVariables: boolean;
}

/**
 * Error codes whose messages may quote what the client sent: graphql-js puts
 * a variable's value in a coercion error, a literal in a validation error and
 * a token of the query text in a syntax error. Their spans get the code as
 * status message instead, as a secret may be what is quoted.
 */
const ECHOING_CODES: ReadonlySet<string> = new Set([
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
]);

/**
 * Observes every GraphQL request once it is answered:
 * - the operation span (see `graphqlOperationSpan`) is named `graphql query Feed`
 *   (its child `query Feed` is graphql-js's execution step),
 *   carries the operation's name, type and document hash (SHA-256 of the
 *   query text, as Apollo computes it, left out when the text holds a secret
 *   literal: a hash of a short secret can be guessed back) and, when the
 *   response has errors, the ERROR status and their codes in `graphql.error.codes`;
 * - `graphql_operations_total` and `graphql_operation_duration_seconds` move;
 * - one log line records the request id, operation, outcome, duration and
 *   error codes, with the trace id; its variables only with `logVariables`.
 *
 * No variable value is ever put on a span, and no log line carries a value
 * sent through a `@sensitive` argument or input field.
 */
export function telemetryPlugin<TContext extends BaseContext>(
  metrics: GatewayMetrics,
  logger: Logger,
  options: TelemetryPluginOptions,
): ApolloServerPlugin<TContext> {
  const sensitive = new SensitiveVariables(options.schema);
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
        async willSendResponse({ response, operationName, queryHash, document }) {
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
            // Without a parsed document there is no telling what the text holds: no hash either.
            if (queryHash && document && !sensitive.plan(document).sensitiveLiterals) span.setAttribute('graphql.document.hash', queryHash);
            span.setAttribute('graphql.outcome', outcome);
            if (codes.length > 0) {
              span.setAttribute('graphql.error.codes', codes);
              const first = errors[0];
              const code = String(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
              span.setStatus({ code: SpanStatusCode.ERROR, message: ECHOING_CODES.has(code) ? code : first?.message });
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
              variables: options.logVariables ? loggableVariables(sensitive, request.variables, document) : undefined,
            },
            'graphql request',
          );
        },
      };
    },
  };
}

/** What stands for the variables of a request whose document did not parse. */
export const NOT_LOGGED = '[Not logged: no parsed document]';

/**
 * The variables as a log line may carry them: secrets the schema marks
 * redacted wherever they sit, then cut to size, then anything named like a
 * secret redacted too. Without a parsed document (a syntax error, an unknown
 * persisted query) nothing tells where secrets sit, so nothing is logged.
 */
function loggableVariables(
  sensitive: SensitiveVariables,
  variables: Readonly<Record<string, unknown>> | undefined,
  document: DocumentNode | undefined,
): unknown {
  if (!variables || Object.keys(variables).length === 0) return undefined;
  if (!document) return NOT_LOGGED;
  return redactSecrets(capForLog(sensitive.redact(document, variables)));
}
