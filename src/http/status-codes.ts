import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { GatewayErrorCode } from '../errors.js';
import { requestErrorStatus } from './media-type.js';

/**
 * The codes of errors that refuse a well-formed request for what its document
 * or variables ask, before anything runs: GraphQL request errors in the sense
 * of GraphQL over HTTP ("Status Codes"), plus the gateway's own refusals of a
 * document (its cost or its structure).
 */
export const DOCUMENT_REFUSAL_CODES: ReadonlySet<string> = new Set([
  // GraphQL over HTTP, "Status Codes", example "Document parsing failure".
  'GRAPHQL_PARSE_FAILED',
  // "Document validation failure".
  'GRAPHQL_VALIDATION_FAILED',
  // "Operation cannot be determined" (GetOperation() raised a request error).
  'OPERATION_RESOLUTION_FAILURE',
  // "Variable coercion failure": Apollo Server codes CoerceVariableValues() errors so;
  // the same code from a resolver always comes with `data`, which keeps it out.
  GatewayErrorCode.BadUserInput,
  // "Validation": a server MAY apply further rules, such as depth and complexity limits.
  GatewayErrorCode.OperationTooExpensive,
  GatewayErrorCode.OperationLimitExceeded,
]);

/** The status Apollo Server (and the gateway's document limits) give a refused document. */
const REFUSED_STATUS = 400;

/**
 * Makes the status of a refused document follow GraphQL over HTTP. Apollo
 * Server answers 400 whatever the response's media type; the spec asks for
 * 200 under `application/json` ("Status Codes", "application/json": SHOULD use
 * 200 for every response to a well-formed request) and a 4xx under
 * `application/graphql-response+json` (a response without `data` MUST be
 * 4xx or 5xx). So a response is moved to 200 only when all of these hold:
 *
 * - it is sent as `application/json` (negotiated as Apollo Server does);
 * - its status is the 400 of a refusal, so 401, 405, 429 or 503 never change;
 * - it has no `data`: nothing ran, so it is a request error, not a field error;
 * - every error's code is in {@link DOCUMENT_REFUSAL_CODES}, so a malformed
 *   request (BAD_REQUEST) keeps its 400.
 *
 * Requests refused before the pipeline (a bad token in context creation, CSRF
 * prevention, a body that is not JSON) are answered by Apollo Server's
 * `errorResponse` without plugins, and keep their status too.
 */
export function requestErrorStatusPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        // The last hook that sees the status: Apollo Server has merged every
        // error's `extensions.http` into `response.http` by now, and sends what
        // is there once the hooks return.
        async willSendResponse({ request, response, requestIsBatched }) {
          // A batch shares one status between its operations; batching is off, and would keep Apollo's.
          if (requestIsBatched || response.http.status !== REFUSED_STATUS) return;
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (data !== undefined || !isDocumentRefusal(errors)) return;
          response.http.status = requestErrorStatus(request.http?.headers.get('accept'), REFUSED_STATUS);
        },
      };
    },
  };
}

function isDocumentRefusal(errors: readonly GraphQLFormattedError[] | undefined): boolean {
  return (
    errors !== undefined &&
    errors.length > 0 &&
    errors.every((error) => typeof error.extensions?.code === 'string' && DOCUMENT_REFUSAL_CODES.has(error.extensions.code))
  );
}
