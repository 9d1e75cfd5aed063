import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { graphql as execute, isObjectType, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { resolvers } from '../../resolvers/index.js';
import { NotFoundError } from '../../src/errors.js';
import { permissionRules, permissions } from '../../src/permissions/index.js';
import { buildUnprotectedSchema, loadTypeDefs } from '../../src/schema.js';

/** The real schema behind the real permissions, with some root fields added or replaced. */
function protectedSchemaWith(extraTypeDefs: string, query: Record<string, () => unknown>): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: [loadTypeDefs(), extraTypeDefs],
    resolvers: { ...resolvers, Query: { ...resolvers.Query, ...query } },
  });
  return applyMiddleware(schema, permissions);
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
    assert.deepEqual(
      result.errors?.map((error) => [error.path?.join('.'), error.extensions?.code, error.message]),
      [
        ['user', 'NOT_FOUND', 'There is no user x.'],
        ['post', 'INTERNAL_SERVER_ERROR', 'Something went wrong on our side.'],
      ],
    );
  });
});
