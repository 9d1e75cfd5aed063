import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql as execute, isObjectType, type GraphQLSchema } from 'graphql';
import { allow } from 'graphql-shield';
import { resolvers } from '../../resolvers/index.js';
import { formatGatewayError, NotFoundError } from '../../src/errors.js';
import { permissionRules, withPermissions } from '../../src/permissions/index.js';
import { buildUnprotectedSchema, loadTypeDefs } from '../../src/schema.js';

/** The real schema behind the real permissions, with some root fields added or replaced. */
function protectedSchemaWith(extraTypeDefs: string, query: Record<string, () => unknown>): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: [loadTypeDefs(), extraTypeDefs],
    resolvers: { ...resolvers, Query: { ...resolvers.Query, ...query } },
  });
  return withPermissions(schema);
}

/** Every object type of the schema that clients can reach, with its field names. */
function objectFields(schema: GraphQLSchema): Map<string, string[]> {
  const types = new Map<string, string[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    types.set(type.name, Object.keys(type.getFields()));
  }
  return types;
}

describe('the permission tree', () => {
  const schema = buildUnprotectedSchema();
  const rules = permissionRules as Record<string, Record<string, unknown>>;

  it('has an explicit rule for every query, every mutation and every object field', () => {
    const missing: string[] = [];
    for (const [type, fields] of objectFields(schema)) {
      for (const field of fields) {
        if (typeof rules[type]?.[field] !== 'object' || rules[type][field] === null) missing.push(`${type}.${field}`);
      }
    }
    assert.deepEqual(missing, [], `fields without a permission rule: ${missing.join(', ')}`);
  });

  it('uses no wildcard and names no field the schema lacks', () => {
    const types = objectFields(schema);
    const stale: string[] = [];
    for (const [type, fields] of Object.entries(rules)) {
      for (const field of Object.keys(fields)) {
        if (!types.get(type)?.includes(field)) stale.push(`${type}.${field}`);
      }
    }
    assert.deepEqual(stale, []);
  });

  it('denies, as FORBIDDEN, a field that has no rule', async () => {
    const result = await execute({
      schema: protectedSchemaWith('extend type Query { unlisted: String }', { unlisted: () => 'leaked' }),
      source: '{ unlisted }',
      contextValue: { viewer: { id: 'usr_1', roles: ['admin'], scopes: ['read', 'write'] }, signedIn: new Set() },
    });
    assert.equal(result.data?.unlisted, null);
    assert.equal(result.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('wraps only the fields whose rule is not allow: every other field keeps its own resolver, or none', () => {
    const base = buildUnprotectedSchema();
    const guarded = withPermissions(base);
    const wrapped: string[] = [];
    const untouched: string[] = [];
    for (const [typeName, fields] of objectFields(base)) {
      const before = base.getType(typeName);
      const after = guarded.getType(typeName);
      assert.ok(isObjectType(before) && isObjectType(after));
      for (const field of fields) {
        // A subscription field is guarded at `subscribe`, where its stream starts; any other at `resolve`.
        const entry = (type: typeof before) => type.getFields()[field]!.subscribe ?? type.getFields()[field]!.resolve;
        const same = entry(before) === entry(after);
        const isAllow = rules[typeName]![field] === allow;
        if (isAllow && !same) wrapped.push(`${typeName}.${field}`);
        if (!isAllow && same) untouched.push(`${typeName}.${field}`);
      }
    }
    assert.deepEqual(wrapped, [], 'fields whose rule is allow got a wrapper');
    assert.deepEqual(untouched, [], 'fields with a real rule were left unguarded');
  });

  it('refuses a subscription field with a resolve of its own, whose rule would then not guard the start of its stream', () => {
    const schema = makeExecutableSchema({
      typeDefs: [loadTypeDefs()],
      resolvers: {
        ...resolvers,
        Subscription: { ...resolvers.Subscription, notificationAdded: { subscribe: async function* () {}, resolve: (payload: unknown) => payload } },
      },
    });
    assert.throws(() => withPermissions(schema), /Subscription\.notificationAdded has a resolve of its own/);
  });

  it('keeps the coded errors resolvers throw, and masks the others as INTERNAL_SERVER_ERROR', async () => {
    const schema = protectedSchemaWith('', {
      user: () => {
        throw new NotFoundError('There is no user x.');
      },
      post: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    });
    const result = await execute({
      schema,
      source: '{ user(id: "x") { id } post(id: "y") { id } }',
      contextValue: { viewer: null, signedIn: new Set() },
    });
    // As clients see them in production: through the mask Apollo Server calls (formatError).
    const shown = (result.errors ?? []).map((error) => formatGatewayError(error.toJSON(), error, true));
    assert.deepEqual(
      shown.map((error) => [error.path?.join('.'), error.extensions?.code, error.message]),
      [
        ['user', 'NOT_FOUND', 'There is no user x.'],
        ['post', 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side.'],
      ],
    );
  });
});
