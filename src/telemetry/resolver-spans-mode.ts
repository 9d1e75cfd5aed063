// Read by src/instrumentation.ts before graphql loads: this module must not
// import graphql (nor anything that does), or the instrumentation could not patch it.

/**
 * `GRAPHQL_RESOLVER_SPANS`: which fields get a span of their own.
 * - `root` (default): each root field (`graphql.resolve feed`); what the fields
 *   below it fetch shows as the DataLoader batch and gRPC spans under it, one
 *   per batch, not one per item.
 * - `all`: every field, through the OpenTelemetry GraphQL instrumentation; it
 *   wraps every field of every answer, so it is for chasing a problem, not for
 *   production.
 * - `none`: no field spans.
 */
export type ResolverSpansMode = 'root' | 'all' | 'none';

/** Reads `GRAPHQL_RESOLVER_SPANS`; anything else than `all` or `none` is `root`. */
export function resolverSpansMode(env: NodeJS.ProcessEnv = process.env): ResolverSpansMode {
  const mode = env.GRAPHQL_RESOLVER_SPANS?.trim();
  return mode === 'all' || mode === 'none' ? mode : 'root';
}
