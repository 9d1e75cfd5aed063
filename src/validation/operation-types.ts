import { GraphQLError, type ValidationRule } from 'graphql';

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
