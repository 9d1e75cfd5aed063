import { SpanKind } from '@opentelemetry/api';
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { markFailed } from '../../platform/spans.js';
import { tracingStarted } from '../../platform/telemetry.js';
import { resolverSpansMode, type ResolverSpansMode } from './resolver-spans-mode.js';
import { tracer } from './tracing.js';

/**
 * Gives each root field of `schema` (Query, Mutation) a span
 * `graphql.resolve <field>` around its resolver, in place, when tracing runs
 * and the mode is `root`; otherwise leaves the schema as it is, so that no
 * field pays for a wrapper nobody reads.
 */
export function traceRootFields(schema: GraphQLSchema, mode: ResolverSpansMode = resolverSpansMode()): GraphQLSchema {
  if (mode !== 'root' || !tracingStarted()) return schema;
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.resolve) field.resolve = withSpan(field.resolve);
    }
  }
  return schema;
}

function withSpan(resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, context, info) =>
    tracer.startActiveSpan(
      `graphql.resolve ${info.fieldName}`,
      { kind: SpanKind.INTERNAL, attributes: { 'graphql.field.name': info.fieldName, 'graphql.field.type': String(info.returnType) } },
      (span) => {
        const failed = (error: unknown) => {
          markFailed(span, error);
          span.end();
          throw error;
        };
        try {
          const result = resolve(source, args, context, info);
          if (result instanceof Promise) {
            return result.then((value) => {
              span.end();
              return value;
            }, failed);
          }
          span.end();
          return result;
        } catch (error) {
          return failed(error);
        }
      },
    );
}
