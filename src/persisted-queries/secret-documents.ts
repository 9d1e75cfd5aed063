import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { SensitiveVariables } from '../telemetry/sensitive-variables.js';

/**
 * Keeps out of the automatic persisted-query store any document that writes a
 * secret as a literal (`login(input: { password: "..." })`): the store is
 * shared, kept for a day and in Redis, and would hold a copy of the password.
 * The operation still runs; the client keeps sending the full text, as for a
 * document too large to store.
 */
export function secretDocumentsNotPersisted<C extends BaseContext>(schema: GraphQLSchema): ApolloServerPlugin<C> {
  const sensitive = new SensitiveVariables(schema);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          // Apollo Server stores a registered query once every didResolveOperation has returned.
          if (requestContext.metrics.persistedQueryRegister && sensitive.plan(requestContext.document).sensitiveLiterals) {
            requestContext.metrics.persistedQueryRegister = false;
          }
        },
      };
    },
  };
}
