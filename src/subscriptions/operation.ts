import {
  GraphQLError,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { LRUCache } from 'lru-cache';
import { structuralLimitError } from '../demand-control/structural-limits.js';
import { ApolloErrorCode, BadRequestError } from '../errors.js';

/** What a subscribe message's document must keep within, as a query sent over HTTP must. */
export interface DocumentRules {
  schema: GraphQLSchema;
  /** `MAX_QUERY_CHARACTERS`, or null with demand control off. */
  maxQueryCharacters: number | null;
  /** graphql-js's `maxTokens` (`MAX_TOKENS`), as Apollo Server's `parseOptions`. */
  parseOptions: { maxTokens?: number };
  /** The structural limits (depth, aliases, directives, root fields), run with graphql-js's own rules. */
  validationRules: readonly ValidationRule[];
}

/** A subscription ready to start. */
export interface PreparedSubscription {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The operation's one root field (graphql-js's rules allow no more): `notificationAdded`. */
  field: string;
}

/**
 * Parses and validates the document of a subscribe message with the same
 * limits and rules as a request over HTTP (the query length, the token limit,
 * graphql-js's rules and the structural limits), and refuses any operation
 * but a subscription: queries and mutations go over HTTP, where admission,
 * rate limits and the whole request pipeline apply. Errors carry the codes
 * Apollo Server gives the same refusals over HTTP.
 */
export function prepareSubscription(payload: SubscribePayload, rules: DocumentRules): PreparedSubscription | readonly GraphQLError[] {
  const query = payload.query;
  if (typeof query === 'string' && (rules.maxQueryCharacters === null || query.length <= rules.maxQueryCharacters)) {
    const key = `${payload.operationName ?? ''}\n${query}`;
    const known = prepared(rules).get(key);
    if (known) return known;
    const result = prepareAnew(payload, rules);
    // Only documents that passed are kept: a refused one costs its sender the parse every time.
    if ('document' in result) prepared(rules).set(key, result);
    return result;
  }
  return prepareAnew(payload, rules);
}

/** Documents already prepared, per set of rules: clients send the same few subscription documents, as with queries. */
const PREPARED = new WeakMap<DocumentRules, LRUCache<string, PreparedSubscription>>();
/** Prepared documents kept; each is bounded by `MAX_QUERY_CHARACTERS` and `MAX_TOKENS`. */
const MAX_PREPARED = 500;

function prepared(rules: DocumentRules): LRUCache<string, PreparedSubscription> {
  let cache = PREPARED.get(rules);
  if (!cache) {
    cache = new LRUCache({ max: MAX_PREPARED });
    PREPARED.set(rules, cache);
  }
  return cache;
}

function prepareAnew(payload: SubscribePayload, rules: DocumentRules): PreparedSubscription | readonly GraphQLError[] {
  const query = payload.query;
  if (typeof query !== 'string') return [new BadRequestError('A subscribe message needs its query as a string.')];
  if (rules.maxQueryCharacters !== null && query.length > rules.maxQueryCharacters) {
    return [structuralLimitError('characters', rules.maxQueryCharacters, query.length)];
  }
  let document: DocumentNode;
  try {
    document = parse(query, rules.parseOptions);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return [coded(error, ApolloErrorCode.GraphqlParseFailed)];
  }
  let errors: readonly GraphQLError[];
  try {
    errors = validate(rules.schema, document, [...specifiedRules, ...rules.validationRules]);
  } catch (error) {
    // graphql-js 16's SingleFieldSubscriptionsRule throws on a root `@skip(if: $variable)` instead of reporting it.
    if (!(error instanceof GraphQLError)) throw error;
    errors = [error];
  }
  if (errors.length > 0) return errors.map((error) => coded(error, ApolloErrorCode.GraphqlValidationFailed));
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation) return [new BadRequestError('The document must hold one operation, or name the one to run in operationName.')];
  if (operation.operation !== 'subscription') {
    return [new BadRequestError(`Only subscriptions are served over WebSocket; send a ${operation.operation} over HTTP to the same URL.`)];
  }
  const [first] = operation.selectionSet.selections;
  const field = first?.kind === 'Field' ? first.name.value : 'other';
  return { document, operation, field };
}

/** `error` with Apollo Server's code for the same refusal over HTTP; a refusal of the gateway's own (a structural limit) keeps its code. */
function coded(error: GraphQLError, code: ApolloErrorCode): GraphQLError {
  if (error.extensions.code !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}
