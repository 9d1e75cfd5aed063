import { loadFilesSync } from '@graphql-tools/load-files';
import { mergeTypeDefs } from '@graphql-tools/merge';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { join } from 'node:path';
import { resolvers } from '../resolvers/index.js';
import { withPermissions } from './permissions/index.js';
import { PROJECT_ROOT } from './paths.js';
import { traceRootFields } from './telemetry/resolver-spans.js';

/** The SDL of `schema/*.graphql`, merged into one document. */
export function loadTypeDefs() {
  return mergeTypeDefs(loadFilesSync(join(PROJECT_ROOT, 'schema', '*.graphql')));
}

/** The SDL with every resolver attached, before permissions. */
export function buildUnprotectedSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
}

/**
 * The executable schema: every field behind its permission rule (see
 * `src/permissions`), and root fields traced when tracing runs.
 */
export function buildSchema(): GraphQLSchema {
  return traceRootFields(withPermissions(buildUnprotectedSchema()));
}
