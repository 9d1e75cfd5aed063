import { GraphQLError, type ValidationRule } from 'graphql';
import { BadRequestError } from '../errors.js';
import { SUBSCRIPTIONS_OVER_WEBSOCKET } from '../http/subscriptions-over-websocket.js';

/**
 * Refuses an operation of a type the schema has no root for (`subscription`):
 * the GraphQL spec's "Operation Type Existence" rule, which graphql-js 16 lacks
 * (17 has it as KnownOperationTypesRule). Without it such an operation is not
 * validated at all, since no field has a parent type, and fails in execution
 * with an error that has no code.
 */
export const operationTypeExists: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(new GraphQLError(`The ${node.operation} operation is not supported by the schema.`, { nodes: node }));
    }
  },
});

/**
 * Refuses a subscription sent over HTTP: subscriptions are served over
 * WebSocket at the same URL (src/subscriptions). Without it Apollo Server
 * would run the subscription's root field once, as if it were a query. The
 * HTTP path refuses them before Apollo Server already
 * (`subscriptionsOverWebSocketOnly`); this holds for any other way in.
 */
export const subscriptionsOverWebSocket: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'subscription') return;
    context.reportError(new BadRequestError(SUBSCRIPTIONS_OVER_WEBSOCKET));
  },
});
