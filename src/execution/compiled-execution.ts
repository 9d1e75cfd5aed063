import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, getVariableValues, valueFromASTUntyped, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/**
 * What an operation compiles to: the compiled query, the errors graphql-jit
 * answers instead, or `INTERPRET` for introspection and what it cannot compile.
 */
type Compiled = CompiledQuery | ExecutionResult | typeof INTERPRET;

/** A document graphql-jit throws on while compiling: graphql-js runs it, with the same answer it always gave. */
const INTERPRET = Symbol('interpret');

/**
 * Executes operations compiled once per document (graphql-jit) instead of
 * interpreting the document for every request (graphql-js): the same
 * resolvers, permissions, errors, nulls and partial data, with far less work
 * and garbage per field. Handed to Apollo Server as its `gateway`, the hook
 * it offers for a custom executor; parsing, validation and every plugin stay
 * Apollo Server's.
 *
 * Compiled queries are kept per parsed operation. The gateway's document store
 * hands out one parsed `DocumentNode` per query text and is bounded, so the
 * compiled queries (held weakly by operation) are bounded with it.
 *
 * Introspection is left to graphql-js, which the schema's meta-fields are
 * written for; it is a development-time request.
 */
export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  // Keyed by the operation Apollo Server resolved, a node of the parsed document.
  const compiledByOperation = new WeakMap<OperationDefinitionNode, Compiled>();

  const compiled = (document: DocumentNode, operation: OperationDefinitionNode): Compiled => {
    let entry = compiledByOperation.get(operation);
    if (!entry) {
      if (asksForIntrospection(operation.selectionSet.selections)) {
        compiledByOperation.set(operation, INTERPRET);
        return INTERPRET;
      }
      try {
        // Named by the operation Apollo Server chose, never by the request's own operationName,
        // which may be empty or absent where Apollo Server has already picked the only operation.
        entry = compileQuery(schema, document, operation.name?.value, {
          // Leaves are serialized as graphql-js does (the scalars' own serialize), so answers are the same.
          customJSONSerializer: false,
        });
      } catch {
        entry = INTERPRET;
      }
      compiledByOperation.set(operation, entry);
    }
    return entry;
  };

  const executor: GatewayExecutor = async (request) => {
    const { document, context, operation, logger } = request;
    const variables = request.request.variables ?? {};
    // No operation resolved (several in the document and none named): graphql-js
    // answers with the error Apollo Server turns into OPERATION_RESOLUTION_FAILURE.
    // The type says otherwise; Apollo Server calls the executor all the same.
    if (!(operation as OperationDefinitionNode | undefined)) {
      return execute({ schema, document, operationName: request.request.operationName, contextValue: context, variableValues: variables });
    }
    const interpret = async () =>
      execute({ schema, document, operationName: operation.name?.value, contextValue: context, variableValues: variables });
    // Decided once per operation, introspection included: graphql-js runs what is not compiled.
    const query = compiled(document, operation);
    if (query === INTERPRET) return interpret();
    if (!isCompiledQuery(query)) return query;
    // Variables are checked by graphql-js first: its errors are the ones Apollo
    // Server (and GraphQL over HTTP) recognise as a refused request, not a failed field.
    if (operation.variableDefinitions?.length) {
      const coerced = getVariableValues(schema, operation.variableDefinitions, variables, { maxErrors: 50 });
      if (coerced.errors) return { errors: coerced.errors };
    }
    try {
      return await query.query(undefined, context, withDefaults(operation, variables));
    } catch (error) {
      // Resolver errors are in the result; a throw is graphql-jit failing on the
      // document itself. A read is run again, interpreted, now and from then on;
      // a write is not, since part of it may have been done.
      if (operation.operation !== 'query') throw error;
      logger.warn(`compiled execution failed, interpreting this document from now on: ${(error as Error).message}`);
      compiledByOperation.set(operation, INTERPRET);
      return interpret();
    }
  };

  let announce: ((schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      announce = callback;
      return () => {
        announce = undefined;
      };
    },
    async load() {
      // Apollo Server learns the schema through this callback, during load.
      announce?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor };
    },
    async stop() {},
  };
}

/**
 * `variables` with the operation's default values filled in where a variable
 * was not sent: graphql-jit refuses a non-null variable with a default that
 * was left out (`$skip: Boolean! = true`), which graphql-js, as the spec says, accepts.
 */
function withDefaults(operation: OperationDefinitionNode, variables: Record<string, unknown>): Record<string, unknown> {
  let filled: Record<string, unknown> | undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!definition.defaultValue || name in variables) continue;
    filled ??= { ...variables };
    filled[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return filled ?? variables;
}

/** Whether a root selection reads `__schema` or `__type` (fragments included). */
function asksForIntrospection(selections: GatewaySelections): boolean {
  return selections.some((selection) => {
    if (selection.kind === 'Field') return selection.name.value === '__schema' || selection.name.value === '__type';
    // A fragment spread at the root may hold introspection too: checked by graphql-js then, to be safe.
    if (selection.kind === 'FragmentSpread') return true;
    return asksForIntrospection(selection.selectionSet.selections);
  });
}

type GatewaySelections = Parameters<GatewayExecutor>[0]['operation']['selectionSet']['selections'];
