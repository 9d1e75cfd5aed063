import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getNamedType, isListType, getNullableType, isObjectType, parse } from 'graphql';
import { CostEstimator } from '../../src/demand-control/index.js';
import { buildSchema } from '../../src/schema.js';

const schema = buildSchema();
const estimator = new CostEstimator(schema);
const { model } = estimator;
const cost = (query: string, variables?: Record<string, unknown>) => estimator.estimate(parse(query), undefined, variables);

/** A field of the schema by coordinate (`User.followers`). */
function fieldOf(coordinate: string) {
  const [type, field] = coordinate.split('.') as [string, string];
  const definition = schema.getType(type);
  assert.ok(isObjectType(definition), `${type} is an object type`);
  const found = definition.getFields()[field];
  assert.ok(found, `${coordinate} exists`);
  return found;
}

describe('the cost rules of the schema', () => {
  it('give every list field a size: its own @listSize, or the sizedFields of every field that returns its type', () => {
    const sizedBy = new Set<string>();
    // Fields that size each type's lists, and all fields returning each type: a sized list must be sized by every one.
    const sizingCount = new Map<string, number>();
    const returning = new Map<string, number>();
    for (const { returns, sizedFields } of model.sizingFields()) {
      for (const field of sizedFields) sizedBy.add(`${returns}.${field}`);
      sizingCount.set(returns, (sizingCount.get(returns) ?? 0) + 1);
    }
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const named = getNamedType(field.type).name;
        returning.set(named, (returning.get(named) ?? 0) + 1);
      }
    }
    const missing: string[] = [];
    for (const { type, field, rules } of model.listFields()) {
      if (rules.listSize) continue;
      const sized = sizedBy.has(`${type}.${field}`) && sizingCount.get(type) === returning.get(type);
      if (!sized) missing.push(`${type}.${field}`);
    }
    assert.deepEqual(missing, [], `list fields without a size rule: ${missing.join(', ')}`);
  });

  it('name only arguments a field has as slicing arguments, and only list fields of the returned type as sized fields', () => {
    const wrong: string[] = [];
    for (const { type, field, rules } of model.listFields()) {
      for (const name of rules.listSize?.slicingArguments ?? []) {
        if (!fieldOf(`${type}.${field}`).args.some((argument) => argument.name === name)) wrong.push(`${type}.${field}(${name})`);
      }
    }
    for (const { type, field, returns, sizedFields } of model.sizingFields()) {
      const returned = schema.getType(returns);
      for (const sized of sizedFields) {
        const target = isObjectType(returned) ? returned.getFields()[sized] : undefined;
        if (!target || !isListType(getNullableType(target.type))) wrong.push(`${type}.${field} sizes ${returns}.${sized}`);
      }
      for (const name of model.field(type, field)?.listSize?.slicingArguments ?? []) {
        if (!fieldOf(`${type}.${field}`).args.some((argument) => argument.name === name)) wrong.push(`${type}.${field}(${name})`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('cost an object 1, a scalar 0, a field with @cost its weight, and a mutation field 10', () => {
    assert.equal(cost('{ user(id: "usr_1") { id username } }'), 1);
    assert.equal(cost('{ user(id: "usr_1") { id followersCount followingCount isFollowedByViewer } }'), 4);
    assert.equal(cost('mutation { follow(userId: "usr_2") { id } }'), 10);
    assert.equal(cost('{ __typename }'), 0);
  });

  it('multiply a connection’s edges by `first`, or by its default when it is not sent', () => {
    const feed = '{ feed(first: 50) { edges { node { id title likesCount likedByViewer author { id username followersCount } } } } }';
    // feed 10 + 50 × (edge 1 + post 1 + likesCount 1 + likedByViewer 1 + author 1 + followersCount 1).
    assert.equal(cost(feed), 310);
    // `followers` defaults to 20: 1 (user) + 1 (connection) + 20 × (edge 1 + user 1).
    assert.equal(cost('{ user(id: "usr_1") { followers { edges { node { id } } } } }'), 42);
  });

  it('count a page argument as at most 100, the most any page accepts', () => {
    assert.equal(cost('{ user(id: "usr_1") { followers(first: 1000000) { edges { node { id } } } } }'), 2 + 100 * 2);
  });

  it('size a list of ids by its length, and read page sizes from variables and their defaults', () => {
    assert.equal(cost('{ users(ids: ["usr_1", "usr_2", "usr_3"]) { id } }'), 3);
    assert.equal(cost('query($ids: [ID!]!) { users(ids: $ids) { id } }', { ids: ['a', 'b'] }), 2);
    const byVariable = 'query($n: Int = 7) { user(id: "usr_1") { followers(first: $n) { edges { node { id } } } } }';
    assert.equal(cost(byVariable, { n: 5 }), 2 + 5 * 2);
    assert.equal(cost(byVariable), 2 + 7 * 2);
  });

  it('count a field under @include or @skip only when it runs', () => {
    const query = 'query($all: Boolean!) { user(id: "usr_1") { id followers(first: 100) @include(if: $all) { edges { node { id } } } } }';
    assert.equal(cost(query, { all: false }), 1);
    assert.equal(cost(query, { all: true }), 1 + 1 + 100 * 2);
    assert.equal(cost('{ user(id: "usr_1") @skip(if: true) { id } }'), 0);
  });

  it('count each alias, each fragment spread where it lands, and a field repeated under one key once', () => {
    assert.equal(cost('{ a: user(id: "usr_1") { id } b: user(id: "usr_2") { id } }'), 2);
    assert.equal(cost('{ user(id: "usr_1") { id } user(id: "usr_1") { username } }'), 1);
    const fanOut = `{ user(id: "usr_1") { followers(first: 10) { edges { node { ...U } } } } }
      fragment U on User { following(first: 10) { edges { node { id } } } }`;
    // 1 + 1 + 10 × (edge 1 + user 1 + 1 + 10 × 2).
    assert.equal(cost(fanOut), 2 + 10 * (2 + 1 + 10 * 2));
    // Sub-selections of fields merged under one key are merged too, not counted twice.
    const merged = '{ user(id: "usr_1") { posts(first: 5) { edges { cursor } } posts(first: 5) { edges { node { id } } } } }';
    assert.equal(cost(merged), 1 + 1 + 5 * (1 + 1));
  });

  it('add an argument’s @cost once, whatever the list size', () => {
    // searchUsers: `query` costs 5, then 20 users by default.
    assert.equal(cost('{ searchUsers(query: "a") { id } }'), 5 + 20);
    assert.equal(cost('{ searchUsers(query: "a", first: 3) { id } }'), 5 + 3);
  });

  it('price the 544-byte query that once took the gateway down far above any sane limit', () => {
    const nested = (levels: number): string => (levels === 0 ? 'id' : `followers(first: 100) { edges { node { ${nested(levels - 1)} } } }`);
    const estimate = cost(`{ user(id: "usr_1") { ${nested(4)} } }`);
    assert.ok(estimate !== null && estimate > 100_000_000, `estimated ${estimate}`);
  });

  it('answer null for a document without the named operation', () => {
    assert.equal(estimator.estimate(parse('query A { __typename } query B { __typename }'), undefined), null);
    assert.equal(estimator.estimate(parse('query A { user(id: "1") { id } }'), 'A'), 1);
    assert.equal(estimator.estimate(parse('query A { user(id: "1") { id } }'), 'Missing'), null);
  });
});
