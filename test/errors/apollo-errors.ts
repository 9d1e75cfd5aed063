import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { GraphQLFormattedError, ValidationRule } from 'graphql';
import { NotFoundError, OperationLimitExceededError } from '../../src/errors.js';

/** What Apollo Server hands `formatError`: the error as it shaped it, and the value thrown. */
export interface Captured {
  formatted: GraphQLFormattedError;
  error: unknown;
}

/** The most tokens a document may have on the test server: small, so the parser's limit is easy to reach. */
export const MAX_TOKENS = 20;

/** A grpc-js call error as a client receives it, with `details` and, optionally, the field the service names. */
export function grpcError(code: GrpcStatus, details = `status ${code}`, field?: string): ServiceError {
  const metadata = new Metadata();
  if (field) metadata.set('x-field-violation', field);
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), { code, details, metadata });
}

const typeDefs = `
  type Query {
    hello: String
    missing: String
    bug: String
    nonNull: String!
    escapedGrpc: String
    deep: String
    echo(n: Int!): Int
  }
`;

const resolvers = {
  Query: {
    hello: () => 'hi',
    missing: () => {
      throw new NotFoundError('There is no such thing.');
    },
    bug: () => {
      throw new TypeError("Cannot read properties of undefined (reading 'secretColumn')");
    },
    nonNull: () => null,
    escapedGrpc: () => {
      throw grpcError(GrpcStatus.NOT_FOUND, 'no post pst_1');
    },
    echo: (_: unknown, args: { n: number }) => args.n,
  },
};

/** A validation rule that refuses the field `deep` the way the gateway's structural limits do: with a GatewayError. */
const refuseDeep: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === 'deep') context.reportError(new OperationLimitExceededError('depth', 1, 2, 'The document is deeper than 1.'));
  },
});

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A small Apollo Server, run in process without HTTP, whose `formatError`
 * records what it is given: the real errors Apollo Server and graphql-js
 * raise, to test the normaliser and the mask against.
 */
export async function startCapturingApollo(options: { persistedQueries?: false } = {}) {
  let captured: Captured[] = [];
  const server = new ApolloServer({
    typeDefs,
    resolvers,
    logger: silent,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: MAX_TOKENS },
    validationRules: [refuseDeep],
    ...(options.persistedQueries === false ? { persistedQueries: false as const } : {}),
    formatError: (formatted, error) => {
      captured.push({ formatted, error });
      return formatted;
    },
  });
  await server.start();
  return {
    /** Sends `body` as a JSON POST and returns what `formatError` was given; `failContext` makes the context function throw it. */
    async run(body: Record<string, unknown>, failContext?: unknown): Promise<Captured[]> {
      captured = [];
      await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body },
        context: async () => {
          if (failContext !== undefined) throw failContext;
          return {};
        },
      });
      return captured;
    },
    /** The one error `run` captured, failing when there is not exactly one. */
    async only(body: Record<string, unknown>, failContext?: unknown): Promise<Captured> {
      const all = await this.run(body, failContext);
      if (all.length !== 1) throw new Error(`expected one error, got ${JSON.stringify(all.map((each) => each.formatted))}`);
      return all[0]!;
    },
    stop: () => server.stop(),
  };
}

export type CapturingApollo = Awaited<ReturnType<typeof startCapturingApollo>>;
