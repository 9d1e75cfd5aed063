import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { formatGatewayError } from '../errors.js';

/** Errors of fields that degraded instead of failing, collected during one request. */
export class DegradedErrors {
  readonly entries: { error: GraphQLError; path: ReadonlyArray<string | number> }[] = [];

  report(error: GraphQLError, path: ReadonlyArray<string | number>): void {
    this.entries.push({ error, path });
  }
}

/**
 * Adds the errors of degraded fields to the response's `errors`, formatted
 * like every other error: the data arrives, and the client still learns that
 * part of it is a fallback.
 */
export function degradedErrorsPlugin<C extends { degraded: DegradedErrors }>(production: boolean): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const { entries } = contextValue.degraded;
          if (entries.length === 0 || response.body.kind !== 'single') return;
          const added: GraphQLFormattedError[] = entries.map(({ error, path }) => {
            const located = new GraphQLError(error.message, { path, extensions: error.extensions, originalError: error });
            return formatGatewayError(located.toJSON(), located, production);
          });
          const result = response.body.singleResult;
          result.errors = [...(result.errors ?? []), ...added];
        },
      };
    },
  };
}
