import { loadFilesSync } from '@graphql-tools/load-files';
import { mergeTypeDefs } from '@graphql-tools/merge';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { join } from 'node:path';
import { resolvers } from '../resolvers/index.js';
import { PROJECT_ROOT } from './paths.js';

/** The SDL of `schema/*.graphql`, merged into one document. */
export function loadTypeDefs() {
  return mergeTypeDefs(loadFilesSync(join(PROJECT_ROOT, 'schema', '*.graphql')));
}

/** The executable schema: the SDL with every resolver attached. */
export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
}
