import type { ApolloServerPlugin } from '@apollo/server';
import { GatewayErrorCode, normalizeError } from '../errors.js';
import { REQUEST_ID_HEADER } from '../telemetry/http-metrics.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * Logs every error a client will see as INTERNAL_SERVER_ERROR or
 * SERVICE_UNAVAILABLE, with its cause and stack: the response carries a short
 * message only, so the log is where an operator finds out what happened.
 * What an error is comes from `normalizeError`, as for the answer itself, so
 * exactly the errors masked in production are logged as internal.
 */
export function errorLoggingPlugin(logger: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operationName, request }) {
          // The request id is what a client can quote, and what finds this line.
          const requestId = request.http?.headers.get(REQUEST_ID_HEADER) ?? undefined;
          for (const error of errors) {
            const { code } = normalizeError(error);
            const err = error.originalError ?? error;
            if (code === GatewayErrorCode.InternalServerError) {
              logger.error({ err, path: error.path, operationName, requestId }, 'internal error in a GraphQL request');
            } else if (code === GatewayErrorCode.ServiceUnavailable) {
              logger.warn({ err, path: error.path, operationName, requestId }, error.message);
            }
          }
        },
      };
    },
  };
}
