import { createHash } from 'node:crypto';
import fc, { type GeneratorValue } from 'fast-check';
import {
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInputType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  GraphQLNonNull,
  type GraphQLScalarType,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { GatewayErrorCode, PUBLIC_CODES } from '../../src/errors.js';

/**
 * Random requests for the gateway, built from its real schema: GraphQL
 * documents (mostly well-formed, often invalid in one way or another) with
 * their variables, garbage query texts, and malformed HTTP bodies. Every
 * request is something any client on the internet could send; the gateway
 * must answer each with data or clean GraphQL errors.
 */

/**
 * Which credential a request carries: none, a valid token (of a user with
 * `read write`, of one with `read` only, or of an account that does not
 * exist), or an Authorization header that is not a valid token at all.
 */
export type Credential = 'anonymous' | 'valid' | 'readOnly' | 'unknownAccount' | 'invalid';

/** Tokens for the credentials that need one, signed by the stack under test. */
export type Tokens = Record<Exclude<Credential, 'anonymous' | 'invalid'>, string>;

/** Authorization headers that are not a valid bearer token. */
const INVALID_AUTHORIZATIONS = [
  'Bearer not.a.token',
  'Bearer ',
  'Bearer',
  'Basic dXNlcjpwYXNz',
  'Token abc',
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c3JfMSJ9.',
  'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl',
  'Bearer a.b.c',
  `Bearer ${'x'.repeat(4_000)}`,
  'Bearer a b',
];

/** How the request was made, for reading a failure. */
export type RequestKind = 'document' | 'garbage' | 'malformed';

/** One HTTP request to the GraphQL endpoint. */
export interface RandomRequest {
  kind: RequestKind;
  method: 'POST' | 'GET' | 'PUT' | 'DELETE' | 'PATCH';
  /** The query string, without `?`: a GET request's document, variables and operation name. */
  search: string;
  /** The raw body; null for none. */
  body: string | null;
  /** Request headers; `send` adds the Authorization of a token credential. */
  headers: Record<string, string>;
  credential: Credential;
  /** The document, when one was generated (also inside `body` or `search`). */
  document: string | null;
}

/** Media types a client may ask for; most requests name one the gateway serves. */
const ACCEPTS = [
  null,
  'application/json',
  'application/graphql-response+json',
  'application/graphql-response+json, application/json;q=0.9',
  '*/*',
  'text/html',
  'multipart/mixed',
] as const;

/** Content types of a POST body; the first by far most often. */
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/graphql',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'multipart/form-data; boundary=x',
] as const;

/** Whether `accept` lets the gateway answer in a JSON media type. */
function acceptsJson(accept: string | undefined): boolean {
  return accept === undefined || /application\/json|application\/graphql-response\+json|\*\/\*/.test(accept);
}

/** Whether `accept` prefers `application/graphql-response+json`, under which a request error is a 4xx. */
function prefersGraphQLResponseJson(accept: string | undefined): boolean {
  return accept !== undefined && accept.startsWith('application/graphql-response+json');
}

/** Int literals that validate: around the page bounds (1 to 100) and the 32-bit ones. */
const INT_LITERALS = ['0', '1', '2', '3', '5', '10', '20', '50', '99', '100', '101', '1000', '-1', '-100', '2147483647', '-2147483648', '-0'];

/** Int literals that do not: out of 32 bits, a float, a leading zero. */
const INVALID_INT_LITERALS = ['2147483648', '-2147483649', '99999999999999999999', '1.5', '1e3', '007'];

const INT_VALUES: unknown[] = [0, 1, 2, 3, 10, 20, 100, 101, -1, -100, 2 ** 31 - 1, -(2 ** 31), 1e3];

const INVALID_INT_VALUES: unknown[] = [2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 1.5, 1e-7, '5', '', true];

const FIXED_STRINGS = [
  '', ' ', 'usr_1', 'usr_2', 'usr_3', 'usr_60', 'usr_61', 'usr_0', 'usr_-1', 'usr_999999999999', 'pst_1', 'pst_2', 'pst_1500', 'pst_1501',
  'ntf_1', 'ntf_2', 'x', 'us', 'usr', 'pinstack-demo', 'user1@example.com', 'user2@example.com', 'fuzz@example.com', 'fuzz_user',
  'https://example.com/a.png', 'http://', 'javascript:alert(1)', 'ftp://example.com/x', '2026-11-24T21:31:26.000Z', 'null', 'undefined',
  '__proto__', 'constructor', 'hasOwnProperty', 'Ünïcødé ✓ 🧷 日本語', '\u0000', '\u0007\u001b[31mred', 'a\nb\tc\r\n', '\ud83d', '\u202eevil',
  "'; DROP TABLE users; --", '../../etc/passwd', '%s%n%x', '${process.exit()}', '{{7*7}}', 'eyJhbGciOiJub25lIn0.e30.', 'YXNkZg==',
];

/** Lengths around every bound the schema documents (ids 64, search 100, titles 200, keys 255, bios 500, URLs 2,048, descriptions 5,000). */
const LONG_LENGTHS = [30, 31, 51, 64, 65, 101, 129, 201, 255, 256, 501, 513, 2_049, 5_001, 25_000];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMES_FOR_ALIASES = Array.from({ length: 24 }, (_, i) => `a${i}`);
const OPERATION_NAMES = ['Q', 'Feed', 'Profile', 'M', 'Op1', 'Op2', 'Op3'];

/**
 * An integer in [min, max] without fast-check's bias toward the bounds: the
 * choices below are weighted on purpose, and a bias toward 0 would make the
 * first of them (an inline fragment, say) nest without end.
 */
const evenInteger = (min: number, max: number) => fc.noBias(fc.integer({ min, max }));

/** Weighted choice over `[weight, value]`, drawn through `g` so that it replays and shrinks toward the first entry. */
function weighted<T>(g: GeneratorValue, choices: readonly (readonly [number, T])[]): T {
  const total = choices.reduce((sum, [weight]) => sum + weight, 0);
  let draw = g(evenInteger, 0, total - 1);
  for (const [weight, value] of choices) {
    if (draw < weight) return value;
    draw -= weight;
  }
  return choices[choices.length - 1]![1];
}

/**
 * Builds one random request from the draws of `g`. Every choice goes through
 * `g`, so fast-check can replay a failure from its seed and shrink it: a
 * choice shrinks toward "no" (`chance`) and toward the first entry (`pick`).
 */
class RequestWriter {
  readonly #g: GeneratorValue;
  readonly #schema: GraphQLSchema;
  readonly #namedTypes: GraphQLNamedType[];
  /** Variables of the operation being written: name to type, as declared. */
  #variables = new Map<string, { type: string; input: GraphQLInputType | null; default?: string }>();
  /** Every variable declared in the document, for the JSON of `variables`. */
  #allVariables = new Map<string, GraphQLInputType | null>();
  /** Fragments by name: the type they are on, and their text once written. */
  #fragments = new Map<string, { on: string; text: string | null }>();
  #fieldsLeft = 0;
  /** Selection sets open around the one being written, fragments included: a bound, since fragments add no depth. */
  #nesting = 0;
  #targetDepth = 0;
  #aliasPercent = 0;
  #directivePercent = 0;
  #variablePercent = 0;
  #mistakeScale = 1;
  #aliases = 0;
  #operations = 0;
  /** Arguments already given to each field (`User.posts`) under its own name. */
  #arguments = new Map<string, string>();

  constructor(g: GeneratorValue, schema: GraphQLSchema) {
    this.#g = g;
    this.#schema = schema;
    this.#namedTypes = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__'));
  }

  /** True `percent` times in a hundred (tenths count); shrinks toward false. */
  chance(percent: number): boolean {
    return percent > 0 && this.#g(evenInteger, 0, 999) >= 1_000 - Math.round(percent * 10);
  }

  /**
   * A mistake that makes the document invalid (an unknown field, a missing
   * argument, a wrong type): `percent` scaled by the document's rate of
   * mistakes, which is 0 for more than half the documents, so those are
   * valid and run (or meet a limit, or a bad argument value).
   */
  mistake(percent: number): boolean {
    return this.chance(percent * this.#mistakeScale);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.#g(evenInteger, 0, items.length - 1)]!;
  }

  int(min: number, max: number): number {
    return this.#g(evenInteger, min, max);
  }

  request(): RandomRequest {
    const kind = weighted<RequestKind>(this.#g, [
      [80, 'document'],
      [10, 'garbage'],
      [10, 'malformed'],
    ]);
    const credential = weighted<Credential>(this.#g, [
      [42, 'anonymous'],
      [38, 'valid'],
      [5, 'readOnly'],
      [5, 'unknownAccount'],
      [10, 'invalid'],
    ]);
    const accept = weighted(this.#g, [
      [30, ACCEPTS[0]],
      [15, ACCEPTS[1]],
      [35, ACCEPTS[2]],
      [12, ACCEPTS[3]],
      [4, ACCEPTS[4]],
      [2, ACCEPTS[5]],
      [2, ACCEPTS[6]],
    ]);
    const headers: Record<string, string> = accept === null ? {} : { accept };
    if (credential === 'invalid') headers.authorization = this.pick(INVALID_AUTHORIZATIONS);
    if (this.chance(5)) headers['idempotency-key'] = this.pick(['k1', 'k2', '', ' ', 'x'.repeat(300)]);
    if (this.chance(5)) headers['graphql-cost'] = this.pick(['report', 'REPORT ', 'no']);
    if (kind === 'malformed') return { ...this.malformed(), credential, headers: { ...headers, ...this.malformedHeaders() } };
    const document = kind === 'document' ? this.document() : this.garbage();
    const payload: Record<string, unknown> = { query: document };
    if (kind === 'document') {
      const variables = this.variablesJson();
      if (variables !== undefined) payload.variables = variables;
      const operationName = this.operationName(document);
      if (operationName !== undefined) payload.operationName = operationName;
      if (this.chance(4)) {
        // An automatic persisted query: registered with its hash, or by mistake a wrong hash, an unknown version, or the hash alone.
        const sha256Hash = createHash('sha256').update(document).digest('hex');
        const wrong = Math.round(2 * this.#mistakeScale);
        const persistedQuery = weighted(this.#g, [
          [6, { version: 1, sha256Hash }],
          [wrong, { version: 1, sha256Hash: sha256Hash.replace(/^./, (digit) => (digit === '0' ? '1' : '0')) }],
          [wrong, { version: 2, sha256Hash }],
          [wrong, { version: 1, sha256Hash, withoutQuery: true }],
        ]);
        if ('withoutQuery' in persistedQuery) delete payload.query;
        payload.extensions = { persistedQuery: { version: persistedQuery.version, sha256Hash: persistedQuery.sha256Hash } };
      }
    }
    // A few documents go by GET, as a CDN-friendly client would send queries; never one longer than a URL may be.
    const search = new URLSearchParams(
      Object.entries(payload).map(([key, value]): [string, string] => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
    ).toString();
    if (search.length < 6_000 && this.chance(8)) {
      // Apollo Server's CSRF prevention wants a non-simple header on GET.
      const preflight: Record<string, string> = this.chance(80) ? { 'apollo-require-preflight': 'true' } : {};
      return { kind, method: 'GET', search, body: null, headers: { ...headers, ...preflight }, credential, document };
    }
    return {
      kind,
      method: 'POST',
      search: '',
      body: JSON.stringify(payload),
      headers: { ...headers, 'content-type': 'application/json' },
      credential,
      document,
    };
  }

  // ---------------------------------------------------------------- documents

  /** A document of one to three operations and the fragments they spread. */
  document(): string {
    this.#mistakeScale = weighted(this.#g, [
      [55, 0],
      [25, 0.5],
      [20, 1.5],
    ]);
    this.#fieldsLeft = this.int(1, 60);
    this.#targetDepth = weighted(this.#g, [
      [50, this.int(1, 5)],
      [35, this.int(6, 11)],
      [15, this.int(12, 14)],
    ]);
    this.#aliasPercent = this.pick([0, 0, 10, 30, 70]);
    this.#directivePercent = this.pick([0, 5, 15, 60]);
    this.#variablePercent = this.pick([0, 20, 50]);
    const count = weighted(this.#g, [
      [82, 1],
      [12, 2],
      [6, 3],
    ]);
    const operations: string[] = [];
    for (let i = 0; i < count; i++) operations.push(this.operation(count));
    const fragments = [...this.#fragments].filter(([, fragment]) => fragment.text !== null).map(([, fragment]) => fragment.text!);
    if (this.mistake(3)) fragments.push(`fragment Unused on ${this.pick(['User', 'Post', 'Query', 'Nope'])} { __typename }`);
    const parts = this.chance(50) ? [...operations, ...fragments] : [...fragments, ...operations];
    return parts.join(this.pick(['\n', ' ', '\n\n# a comment\n', ',']));
  }

  operation(count: number): string {
    this.#variables = new Map();
    // Remembered arguments may name this operation's variables, which another operation has not declared.
    this.#arguments = new Map();
    const type = weighted(this.#g, [
      [85, 'query'],
      [15, 'mutation'],
      [this.#mistakeScale > 0 ? 3 : 0, 'subscription'],
    ] as const);
    const root = type === 'mutation' ? this.#schema.getMutationType()! : this.#schema.getQueryType()!;
    // @skip and @include belong on fields and fragments, not on operations.
    const directives = this.mistake(this.#directivePercent) ? ` ${this.directive()}` : '';
    const selection = this.selectionSet(root, 1);
    const named = count > 1 ? !this.mistake(5) : this.chance(50);
    // Names repeat across operations only by mistake.
    const name = named ? (this.mistake(30) ? this.pick(OPERATION_NAMES) : `${this.pick(OPERATION_NAMES)}${this.#operations++}`) : '';
    if (this.mistake(3)) this.#variables.set(`unused${this.int(0, 2)}`, { type: 'Int', input: this.#schema.getType('Int') as GraphQLInputType });
    const declarations = [...this.#variables]
      .filter(() => !this.mistake(3))
      .map(([variable, { type: declared, default: value }]) => `$${variable}: ${declared}${value === undefined ? '' : ` = ${value}`}`);
    for (const [variable, { input }] of this.#variables) this.#allVariables.set(variable, input);
    const head = declarations.length > 0 ? `(${declarations.join(', ')})` : '';
    // The shorthand `{ ... }` only for a lone anonymous query.
    if (type === 'query' && !named && head === '' && directives === '' && this.chance(70)) return selection;
    return `${type}${name ? ` ${name}` : ''}${head}${directives} ${selection}`;
  }

  /** The `{ ... }` of a value of `type`, whose fields sit at `depth` (root fields at 1). */
  selectionSet(type: GraphQLCompositeType, depth: number): string {
    if (this.mistake(1)) return '{ }';
    if (this.#nesting >= 40) return '{ __typename }';
    const count = this.#fieldsLeft > 0 ? this.int(1, 3) : 1;
    const selections: string[] = [];
    this.#nesting++;
    for (let i = 0; i < count; i++) selections.push(this.selection(type, depth, i === 0));
    this.#nesting--;
    return `{ ${selections.join(this.pick([' ', ', ', '\n']))} }`;
  }

  selection(type: GraphQLCompositeType, depth: number, leading: boolean): string {
    const roll = this.int(0, 99);
    if (roll < 7) return this.inlineFragment(type, depth);
    if (roll < 13) return this.fragmentSpread(type, depth);
    return this.field(type, depth, leading);
  }

  field(type: GraphQLCompositeType, depth: number, leading: boolean): string {
    this.#fieldsLeft--;
    // Aliases collide (the same name for different fields) only by mistake.
    const alias = this.chance(this.#aliasPercent) ? `${this.mistake(20) ? this.pick(NAMES_FOR_ALIASES) : `a${this.#aliases++}`}: ` : '';
    const directives = this.directives();
    const special = this.int(0, 99);
    if (special < 3) return `${alias}__typename${directives}`;
    if (special < 3 + 2 * this.#mistakeScale) return `${alias}${this.pick(['nope', 'password', 'passwordHash', 'constructor', '__proto__', 'edges', 'node'])}${directives}`;
    if (special < 7 && type === this.#schema.getQueryType()) return `${alias}${this.introspection(depth)}`;
    const fields: GraphQLField<unknown, unknown>[] = isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : [];
    if (fields.length === 0) return `${alias}__typename${directives}`;
    const composite = fields.filter((field) => isCompositeType(getNamedType(field.type)));
    const leaves = fields.filter((field) => isLeafType(getNamedType(field.type)));
    // The leading field of a selection set carries the document toward its target depth; the others stay shallow.
    const deeper = leading && depth < this.#targetDepth && this.#fieldsLeft > 0 && composite.length > 0;
    let field: GraphQLField<unknown, unknown>;
    if (deeper && !this.chance(10)) field = this.pick(composite);
    else if (this.#fieldsLeft <= 0 || !this.chance(20)) field = leaves.length > 0 ? this.pick(leaves) : this.pick(fields);
    else field = this.pick(fields);
    const named = getNamedType(field.type);
    let selection = '';
    if (isCompositeType(named)) {
      // Past the depth the generator aims for a composite field still needs a selection: the cheapest one.
      if (this.mistake(3)) selection = '';
      else if (depth >= 16 || (this.#fieldsLeft <= 0 && !deeper)) selection = ' { __typename }';
      else selection = ` ${this.selectionSet(named, depth + 1)}`;
    } else if (this.mistake(3)) {
      selection = ' { id }';
    }
    return `${alias}${field.name}${this.arguments(type, field, alias !== '')}${directives}${selection}`;
  }

  introspection(depth: number): string {
    const ofType = (levels: number): string => (levels === 0 ? 'name' : `name kind ofType { ${ofType(levels - 1)} }`);
    return this.pick([
      `__type(name: ${this.stringLiteral(this.pick(['User', 'Post', 'Query', 'Nope', '']))}) { name kind fields { name type { ${ofType(this.int(0, 20))} } } }`,
      '__schema { queryType { name } types { name kind } }',
      `__schema { types { fields { type { ${ofType(Math.max(0, this.#targetDepth - depth))} } } } }`,
      '__schema { directives { name args { name type { name } } } }',
      this.mistake(30) ? '__type { name }' : '__typename',
    ]);
  }

  inlineFragment(type: GraphQLCompositeType, depth: number): string {
    const roll = this.int(0, 99);
    if (roll < 80) return `... on ${type.name} ${this.selectionSet(type, depth)}`;
    if (roll < 90 && this.#mistakeScale > 0) {
      const other = this.pick(this.#namedTypes.filter((named) => isCompositeType(named) || this.chance(10)));
      return `... on ${other.name} ${isCompositeType(other) ? this.selectionSet(other, depth) : '{ __typename }'}`;
    }
    return `... ${this.directive()} ${this.selectionSet(type, depth)}`;
  }

  /** Spreads a fragment on `type`: a new one, one already written (sometimes cyclically), or one that does not exist. */
  fragmentSpread(type: GraphQLCompositeType, depth: number): string {
    if (this.mistake(4)) return `...Missing${this.int(0, 2)}`;
    const cycles = this.mistake(30);
    const same = [...this.#fragments].filter(([, fragment]) => fragment.on === type.name && (cycles || fragment.text !== null)).map(([name]) => name);
    // Spreading one still being written is a cycle, which validation must refuse.
    if (same.length > 0 && this.chance(50)) return `...${this.pick(same)}${this.directives()}`;
    if (this.#fragments.size >= 6) return this.field(type, depth, true);
    const name = `F${this.#fragments.size}`;
    const on = this.mistake(5) ? this.pick(this.#namedTypes) : type;
    this.#fragments.set(name, { on: on.name, text: null });
    const body = isCompositeType(on) ? this.selectionSet(on, depth) : '{ __typename }';
    const directives = this.mistake(this.#directivePercent) ? ` ${this.directive()}` : '';
    this.#fragments.set(name, { on: on.name, text: `fragment ${name} on ${on.name}${directives} ${body}` });
    return `...${name}${this.directives()}`;
  }

  directives(): string {
    if (!this.chance(this.#directivePercent)) return '';
    // A directive repeated where it may appear once: both limits apply.
    if (this.mistake(3)) return ` ${Array.from({ length: this.int(20, 60) }, () => '@include(if: true)').join(' ')}`;
    const first = this.directive();
    if (!this.chance(10)) return ` ${first}`;
    const second = this.mistake(50) ? this.directive() : this.directive(first.startsWith('@skip') ? 'include' : 'skip');
    return ` ${first} ${second}`;
  }

  directive(name: 'skip' | 'include' = this.pick(['skip', 'include'])): string {
    const roll = this.int(0, 99);
    if (roll < 100 - 12 * this.#mistakeScale) return `@${name}(if: ${this.booleanArgument()})`;
    return this.pick(['@nope', '@cost(weight: 1)', '@listSize(assumedSize: 1)', '@deprecated', '@skip', '@include(if: true, if: false)', '@defer', '@stream']);
  }

  booleanArgument(): string {
    const roll = this.int(0, 99);
    if (roll < 55) return this.pick(['true', 'false']);
    if (roll < 100 - 10 * this.#mistakeScale) return this.variable(new GraphQLNonNull(this.#schema.getType('Boolean') as GraphQLScalarType), 'Boolean!');
    return this.pick(['null', '1', '"true"', 'TRUE', '[true]', '$undeclared']);
  }

  /**
   * The arguments of `field` on `type`. Within a document, one field is
   * mostly asked with the same arguments wherever it appears: a field asked
   * twice under one response name with different arguments cannot merge,
   * which validation refuses, so that happens only by mistake.
   */
  arguments(type: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, aliased: boolean): string {
    const key = `${type.name}.${field.name}`;
    const known = this.#arguments.get(key);
    if (known !== undefined && !aliased && !this.mistake(30)) return known;
    const text = this.freshArguments(field);
    if (!aliased) this.#arguments.set(key, text);
    return text;
  }

  freshArguments(field: GraphQLField<unknown, unknown>): string {
    const args: string[] = [];
    for (const argument of field.args) {
      const required = isNonNullType(argument.type) && argument.defaultValue === undefined;
      if (required ? this.mistake(3) : !this.chance(50)) continue;
      args.push(`${argument.name}: ${this.argumentValue(argument.type)}`);
      if (this.mistake(2)) args.push(`${argument.name}: ${this.literal(argument.type, 0)}`);
    }
    if (this.mistake(3)) args.push(`${this.pick(['nope', 'last', 'before', 'limit', 'id'])}: ${this.wrongLiteral()}`);
    return args.length > 0 ? `(${args.join(this.pick([', ', ' ']))})` : '';
  }

  argumentValue(type: GraphQLInputType): string {
    if (this.chance(this.#variablePercent)) return this.variable(type, String(type));
    return this.literal(type, 0);
  }

  /**
   * A variable for a position of `type`: mostly one declared with that very
   * type, sometimes one already declared (of whatever type), a nullable one
   * where the position is non-null, one of a wrong type, or none at all.
   */
  variable(type: GraphQLInputType, declared: string): string {
    const roll = this.int(0, 99);
    // Reusing a variable of another type is a mistake; reusing one of the same type is not.
    const existing = [...this.#variables].filter(([, variable]) => this.#mistakeScale > 0 || variable.type === declared).map(([name]) => name);
    if (roll < 20 && existing.length > 0) return `$${this.pick(existing)}`;
    if (roll >= 20 && roll < 20 + 3 * this.#mistakeScale) return `$undeclared${this.int(0, 1)}`;
    const name = `v${this.#variables.size}`;
    let typeText = declared;
    let input: GraphQLInputType | null = type;
    if (roll >= 100 - 7 * this.#mistakeScale) {
      // A wrong type: another type of the schema (an output type too), unknown, or a different wrapping.
      const named = this.pick(this.#namedTypes);
      typeText = this.pick([named.name, `${named.name}!`, `[${named.name}]`, 'Nope', 'String', `[${declared}]`]);
      input = isInputType(named) ? named : null;
    } else if (roll >= 100 - 12 * this.#mistakeScale && declared.endsWith('!')) {
      typeText = declared.slice(0, -1);
    }
    const defaultValue = input && this.chance(15) ? this.literal(input, 0, false) : undefined;
    this.#variables.set(name, { type: typeText, input, default: defaultValue });
    return `$${name}`;
  }

  /** A literal for `type`: mostly right, sometimes of a wrong type or null where none may be. */
  literal(type: GraphQLInputType, depth: number, wrong = true): string {
    if (wrong && this.mistake(8)) return this.wrongLiteral();
    if (isNonNullType(type)) return wrong && this.mistake(3) ? 'null' : this.presentLiteral(type.ofType, depth, wrong);
    return this.chance(5) ? 'null' : this.presentLiteral(type, depth, wrong);
  }

  /** A literal of nullable `type` that is not null. */
  presentLiteral(type: GraphQLInputType, depth: number, wrong: boolean): string {
    if (isListType(type)) {
      // A list position takes a single item too (input coercion).
      if (this.chance(20)) return this.literal(type.ofType, depth + 1, wrong);
      const length = weighted(this.#g, [
        [60, this.int(0, 5)],
        [30, this.int(6, 101)],
        [10, this.int(102, 400)],
      ]);
      // Long lists repeat one item: the tokens, not the variety, are what a limit counts.
      const item = this.literal(type.ofType, depth + 1, wrong);
      return `[${Array.from({ length }, (_, i) => (i < 5 ? this.literal(type.ofType, depth + 1, wrong) : item)).join(', ')}]`;
    }
    if (isInputObjectType(type)) {
      if (depth > 4) return '{}';
      const entries: string[] = [];
      for (const field of Object.values(type.getFields())) {
        const required = isNonNullType(field.type) && field.defaultValue === undefined;
        if (required ? wrong && this.mistake(4) : this.chance(40)) continue;
        entries.push(`${field.name}: ${this.literal(field.type, depth + 1, wrong)}`);
      }
      if (wrong && this.mistake(4)) entries.push(`nope: ${this.wrongLiteral()}`);
      return `{ ${entries.join(', ')} }`;
    }
    if (isEnumType(type)) {
      return wrong && this.mistake(15) ? this.pick(['NOPE', '"FOLLOW"', 'follow', 'true', 'null']) : this.pick(type.getValues()).name;
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case 'Int':
          return wrong && this.mistake(15) ? this.pick(INVALID_INT_LITERALS) : this.pick(INT_LITERALS);
        case 'Float':
          return this.pick(['0', '1.5', '-2.5e10', '1e400']);
        case 'Boolean':
          return this.pick(['true', 'false']);
        default:
          return this.stringLiteral(this.string(), wrong);
      }
    }
    return this.wrongLiteral();
  }

  wrongLiteral(): string {
    return this.pick([
      '0', '-1', '2147483648', '1.5', '"1"', '""', 'true', 'null', 'FOLLOW', '[]', '[1, "a", null]', '{}', '{ a: 1 }',
      '$undeclared0', '[[["usr_1"]]]', `${'['.repeat(60)}1${']'.repeat(60)}`, '"""block"""',
    ]);
  }

  /** A string value: an id or address the data has, a bound's length, or random text. */
  string(): string {
    const roll = this.int(0, 99);
    if (roll < 55) return this.pick(FIXED_STRINGS);
    if (roll < 70) return `${this.pick(['usr_', 'pst_', 'ntf_', ''])}${this.int(0, 2_000)}`;
    if (roll < 80) return this.pick(['a', 'é', '🧷', 'x'.repeat(10)]).repeat(this.pick(LONG_LENGTHS));
    if (roll < 90) return this.#g(fc.string, { maxLength: 40, unit: 'grapheme' });
    return this.#g(fc.string, { maxLength: 20, unit: 'binary' });
  }

  /** `value` as a GraphQL string: mostly escaped right, by mistake raw (control characters and all) or as a block string. */
  stringLiteral(value: string, wrong = true): string {
    // Lone surrogates cannot be escaped in GraphQL (\ud83d is a syntax error), only sent raw.
    if (!wrong || !this.mistake(12)) return JSON.stringify(value.replace(LONE_SURROGATE, '\ufffd'));
    return this.chance(50) ? `"""${value}"""` : `"${value}"`;
  }

  // ---------------------------------------------------------------- variables

  /** The JSON `variables`: a value for most declared variables, right or wrong, and sometimes one that was never declared. */
  variablesJson(): unknown {
    if (this.#allVariables.size === 0 && !this.chance(10)) return undefined;
    const variables: Record<string, unknown> = {};
    for (const [name, type] of this.#allVariables) {
      if (this.mistake(8)) continue;
      variables[name] = type && !this.mistake(20) ? this.jsonFor(type, 0) : this.wildJson();
    }
    if (this.mistake(5)) variables[this.pick(['extra', '__proto__', 'constructor', 'v0'])] = this.wildJson();
    return variables;
  }

  jsonFor(type: GraphQLInputType, depth: number): unknown {
    if (isNonNullType(type)) return this.mistake(4) ? null : this.presentJson(type.ofType, depth);
    return this.chance(5) ? null : this.presentJson(type, depth);
  }

  /** A JSON value of nullable `type` that is not null. */
  presentJson(type: GraphQLInputType, depth: number): unknown {
    if (isListType(type)) {
      if (this.chance(15)) return this.jsonFor(type.ofType, depth + 1);
      const length = weighted(this.#g, [
        [70, this.int(0, 5)],
        [20, this.int(6, 150)],
        [7, this.int(1_000, 20_000)],
        [3, 160_000],
      ]);
      // A huge list repeats a short id: its length, not its bytes, is what matters (a 1 MB body is refused before it is read).
      const item = length >= 1_000 ? 'usr_1' : this.jsonFor(type.ofType, depth + 1);
      return Array.from({ length }, (_, i) => (i < 3 ? this.jsonFor(type.ofType, depth + 1) : item));
    }
    if (isInputObjectType(type)) {
      if (depth > 4) return {};
      const value: Record<string, unknown> = {};
      for (const field of Object.values(type.getFields())) {
        if (isNonNullType(field.type) ? this.mistake(4) : this.chance(40)) continue;
        value[field.name] = this.jsonFor(field.type, depth + 1);
      }
      if (this.mistake(4)) value.nope = this.wildJson();
      return value;
    }
    if (isEnumType(type)) return this.mistake(15) ? this.pick(['NOPE', 'follow', 0]) : this.pick(type.getValues()).name;
    if (isScalarType(type)) {
      if (type.name === 'Int' || type.name === 'Float') return this.mistake(15) ? this.pick(INVALID_INT_VALUES) : this.pick(INT_VALUES);
      if (type.name === 'Boolean') return this.mistake(10) ? this.pick(['true', 0]) : this.pick([true, false]);
      return this.mistake(5) ? this.pick([1, true, ['usr_1'], { id: 'usr_1' }]) : this.string();
    }
    return this.wildJson();
  }

  /** Any JSON at all: random values, very deep nesting, huge arrays, numbers JavaScript rounds. */
  wildJson(): unknown {
    const roll = this.int(0, 99);
    if (roll < 60) return this.#g(fc.jsonValue, { maxDepth: 3 });
    if (roll < 75) {
      let value: unknown = this.pick(['usr_1', 1, null, {}]);
      const levels = this.pick([10, 100, 1_000, 2_000]);
      const object = this.chance(50);
      for (let i = 0; i < levels; i++) value = object ? { a: value } : [value];
      return value;
    }
    if (roll < 90) return new Array<unknown>(this.pick([101, 1_000, 50_000])).fill(this.pick(['usr_1', 1, null, {}]));
    return this.pick([1e308, -0, 2 ** 53 + 1, '', 'x'.repeat(100_000), JSON.parse('{"__proto__": {"polluted": true}}'), { constructor: { prototype: 1 } }]);
  }

  /** The `operationName` of the body: one of the document's when it needs one, by mistake another or one that is not a string. */
  operationName(document: string): unknown {
    const names = [...document.matchAll(/\b(?:query|mutation|subscription)\s+([A-Za-z_]\w*)/g)].map((match) => match[1]!);
    if (this.mistake(10)) return this.pick(['Nope', '', 'Q', 1, ['Q'], { name: 'Q' }]);
    // A lone operation runs without its name being sent; one of several needs it.
    if (names.length === 0 || (names.length === 1 && this.chance(50))) return this.pick([undefined, null]);
    return this.pick(names);
  }

  // ---------------------------------------------------------------- garbage

  /** A query text that is mostly not GraphQL at all, or a document broken at one point. */
  garbage(): string {
    const roll = this.int(0, 99);
    if (roll < 20) return this.#g(fc.string, { maxLength: 200, unit: 'grapheme' });
    if (roll < 30) return this.#g(fc.string, { maxLength: 100, unit: 'binary' });
    if (roll < 55) {
      // A document broken at one point: cut short, or one character replaced.
      const document = this.document();
      const at = this.int(0, Math.max(0, document.length - 1));
      return this.chance(50)
        ? document.slice(0, at)
        : `${document.slice(0, at)}${this.pick(['{', '}', '(', ')', '[', ']', ':', '$', '@', '!', '.', '...', '"', '#', '=', '|', '&', '\u0000', '\ufeff', ''])}${document.slice(at + 1)}`;
    }
    if (roll < 80) {
      // Token soup: every token is valid, their order is not.
      const tokens = ['{', '}', '(', ')', '[', ']', ':', '$', '@', '!', '...', '=', '|', '&', 'query', 'mutation', 'fragment', 'on', 'user', 'id', 'me',
        'true', 'null', '1', '-0.5e3', '"s"', '"""b"""', '__typename', 'Query', 'User', 'subscription', 'schema', 'extend', 'type', 'scalar', 'directive'];
      return Array.from({ length: this.int(1, 60) }, () => this.pick(tokens)).join(this.pick([' ', '', '\n', ',']));
    }
    return this.pick([
      '',
      ' ',
      '{',
      '}',
      '{}',
      '{ }',
      '#',
      '\ufeff{ me { id } }',
      '{ me { id } } }',
      'query',
      'query query { me { id } }',
      'mutation { }',
      'subscription { me { id } }',
      'type Query { x: Int }',
      'schema { query: Query }',
      'extend type Query { x: Int }',
      'directive @x on FIELD',
      '{ a: b: c }',
      '{ me(id: ) { id } }',
      '{ "me" }',
      '{ me { id } } # trailing comment',
      `{ ${'me { '.repeat(3_000)}id${' }'.repeat(3_000)} }`,
      `${'{'.repeat(10_000)}`,
      `{ user(id: "${'\\u0041'.repeat(5_000)}") { id } }`,
      `{ me { id } }\n#${'x'.repeat(25_000)}`,
      '{ me { id } } fragment F on User { ...F }',
      '{ __typename @skip(if: $x) }',
    ]);
  }

  // ---------------------------------------------------------------- malformed bodies

  malformed(): Pick<RandomRequest, 'kind' | 'method' | 'search' | 'body' | 'document'> {
    const roll = this.int(0, 99);
    const post = (body: string | null) => ({ kind: 'malformed' as const, method: 'POST' as const, search: '', body, document: null });
    if (roll < 8) {
      const method = this.pick(['PUT', 'DELETE', 'PATCH'] as const);
      return { kind: 'malformed', method, search: '', body: JSON.stringify({ query: '{ __typename }' }), document: null };
    }
    if (roll < 14) return { kind: 'malformed', method: 'GET', search: this.pick(['', 'query=', 'query={me{id}}&query={me{id}}', 'variables={', 'extensions=[]', 'query=mutation{logout(refreshToken:"x")}']), body: null, document: null };
    if (roll < 35) {
      // Not JSON, or JSON of another shape than an object.
      return post(
        this.pick([
          null, '', '{', '{"query":', '{"query": "{ me { id } }"', 'null', 'true', '123', '"{ me { id } }"', '[]', '[{"query":"{ __typename }"}]',
          '[1, 2]', '{"query": "{ me { id } }"}{"query": "x"}', "{'query': '{ me { id } }'}", '{"query": "\\x00"}', '\ufeff{"query":"{ __typename }"}',
          `{"query": "{ __typename }", "variables": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`, '{"__proto__": {"query": "{ __typename }"}}',
          this.#g(fc.string, { maxLength: 100, unit: 'grapheme' }),
        ]),
      );
    }
    if (roll < 75) {
      // A JSON object whose fields have the wrong types.
      const body: Record<string, unknown> = {};
      if (!this.chance(15)) body.query = this.chance(60) ? this.pick([1, null, true, [], {}, ['{ me { id } }'], { kind: 'Document', definitions: [] }]) : '{ __typename }';
      if (this.chance(60)) body.variables = this.pick(['{"id": "usr_1"}', '', [], [1], 1, true, 'null']);
      if (this.chance(40)) body.operationName = this.pick([1, true, [], {}, 'Q']);
      if (this.chance(40)) {
        body.extensions = this.pick([
          'x', [], 1,
          { persistedQuery: { version: 1, sha256Hash: 'abc' } },
          { persistedQuery: { version: 2, sha256Hash: createHash('sha256').update('{ __typename }').digest('hex') } },
          { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update('{ me { id } }').digest('hex') } },
          { persistedQuery: { version: 1 } },
          { persistedQuery: 'x' },
        ]);
      }
      return post(JSON.stringify(body));
    }
    // A body sent with a content type or encoding the gateway does not read as JSON.
    return post(JSON.stringify({ query: this.pick(['{ __typename }', '{ me { id } }', 'mutation { logout(refreshToken: "x") }']) }));
  }

  malformedHeaders(): Record<string, string> {
    const contentType = weighted(this.#g, [
      [50, CONTENT_TYPES[0]],
      [10, CONTENT_TYPES[1]],
      [8, CONTENT_TYPES[2]],
      [8, CONTENT_TYPES[3]],
      [6, CONTENT_TYPES[4]],
      [6, CONTENT_TYPES[5]],
      [6, CONTENT_TYPES[6]],
      [6, CONTENT_TYPES[7]],
    ]);
    const headers: Record<string, string> = { 'content-type': contentType };
    if (this.chance(8)) headers['content-encoding'] = this.pick(['gzip', 'br', 'x-unknown', 'identity']);
    return headers;
  }
}

/** Random requests built from `schema`'s types, fields and arguments. */
export function randomRequests(schema: GraphQLSchema): fc.Arbitrary<RandomRequest> {
  return fc.gen().map((g) => describable(new RequestWriter(g, schema).request()));
}

/** A request that prints short in fast-check's report: its huge strings cut, so that a failure stays readable. */
function describable(request: RandomRequest): RandomRequest {
  const short = (text: string | null) => (text !== null && text.length > 2_000 ? `${text.slice(0, 2_000)}… (${text.length} characters)` : text);
  return Object.defineProperty(request, fc.toStringMethod, {
    value: () =>
      JSON.stringify({ ...request, search: short(request.search), body: short(request.body), document: short(request.document) }, null, 1),
    enumerable: false,
  });
}

// ---------------------------------------------------------------- answers

/** The codes a random request may get: every public code but INTERNAL_SERVER_ERROR, which would be a bug. */
const EXPECTED_CODES: ReadonlySet<string> = new Set([...PUBLIC_CODES].filter((code) => code !== GatewayErrorCode.InternalServerError));

/** What a status must come with: the code of at least one of its errors. */
const CODE_FOR_STATUS: Readonly<Record<number, string>> = {
  401: GatewayErrorCode.Unauthenticated,
  405: 'BAD_REQUEST',
  406: 'BAD_REQUEST',
  413: 'BAD_REQUEST',
  415: 'BAD_REQUEST',
  429: GatewayErrorCode.RateLimited,
  503: GatewayErrorCode.ServiceUnavailable,
};

/** A frame of a stack trace: `at fn (file:///x.ts:1:2)`, `at node:internal/...:1:2`. */
const STACK_FRAME = /\bat (?:\S+ \()?(?:file:|node:|\/)\S*:\d+:\d+/;

/**
 * Sends `request` to the GraphQL endpoint `url`, with the token of its
 * credential from `tokens`; aborts after `hangMs`, which the caller sees as a hang.
 */
export async function send(url: string, request: RandomRequest, tokens: Tokens, hangMs: number): Promise<Answer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.credential !== 'anonymous' && request.credential !== 'invalid') headers.authorization = `Bearer ${tokens[request.credential]}`;
  const target = request.search ? `${url}?${request.search}` : url;
  const response = await fetch(target, { method: request.method, headers, body: request.body, signal: AbortSignal.timeout(hangMs) });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** What the gateway answered, as read off the wire. */
export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

interface GraphQLBody {
  data?: unknown;
  errors?: unknown;
}

/** Everything wrong with `answer` to `request`; empty when it is data or clean GraphQL errors. */
export function problemsWith(request: RandomRequest, answer: Answer): string[] {
  const problems: string[] = [];
  const accept = request.headers.accept;
  // A browser opening the endpoint gets an HTML page by design: Apollo's sandbox outside production
  // (200), in production a page saying the explorer is off (404, src/http/explorer-off.ts).
  if (request.method === 'GET' && accept === 'text/html' && answer.contentType?.startsWith('text/html')) {
    if (answer.status === 200 || (answer.status === 404 && answer.text.includes('explorer is off in production'))) return [];
  }
  const allowed = [200, 400, 401, 405, 413, 415, 429, 503, ...(acceptsJson(accept) ? [] : [406])];
  if (!allowed.includes(answer.status)) problems.push(`status ${answer.status} is none of ${allowed.join(', ')}`);
  if (!/^application\/(?:graphql-response\+)?json\b/.test(answer.contentType ?? '')) problems.push(`content-type ${answer.contentType} is not JSON`);
  let body: GraphQLBody;
  try {
    body = JSON.parse(answer.text) as GraphQLBody;
  } catch {
    return [...problems, 'the body is not JSON'];
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [...problems, 'the body is not a JSON object'];
  const hasData = 'data' in body && body.data !== undefined;
  if (!hasData && !('errors' in body)) problems.push('the body has neither data nor errors');
  if (hasData && body.data !== null && (typeof body.data !== 'object' || Array.isArray(body.data))) problems.push('data is not an object');

  const codes: unknown[] = [];
  if ('errors' in body) {
    if (!Array.isArray(body.errors) || body.errors.length === 0) {
      problems.push('errors is not a non-empty list');
    } else {
      for (const error of body.errors as { message?: unknown; extensions?: { code?: unknown; stacktrace?: unknown } }[]) {
        const code = error?.extensions?.code;
        codes.push(code);
        if (typeof error?.message !== 'string') problems.push(`an error has no string message: ${JSON.stringify(error)}`);
        if (typeof code !== 'string' || !EXPECTED_CODES.has(code)) problems.push(`an error has the code ${JSON.stringify(code)}: ${JSON.stringify(error)}`);
        if (error?.extensions?.stacktrace !== undefined) problems.push(`an error carries a stack trace: ${JSON.stringify(error)}`);
      }
      if (STACK_FRAME.test(JSON.stringify(body.errors))) problems.push('an error shows a stack frame');
    }
  }

  const expected = CODE_FOR_STATUS[answer.status];
  if (expected !== undefined && !codes.includes(expected)) problems.push(`status ${answer.status} without a ${expected} error (codes ${JSON.stringify(codes)})`);
  if (answer.status === 503 && codes.some((code) => code !== GatewayErrorCode.ServiceUnavailable)) problems.push(`a 503 with codes ${JSON.stringify(codes)}`);
  // GraphQL over HTTP: a response with data is 2xx (MUST when it is not null), and without data, under
  // application/graphql-response+json, it is not. By design a credential that does not hold (a
  // refresh token that is spent, a token whose account is gone) is 401 even when other fields ran.
  const credentialRejected = answer.status === 401 && codes.includes(GatewayErrorCode.Unauthenticated);
  if (hasData && body.data !== null && answer.status !== 200 && !credentialRejected) problems.push(`status ${answer.status} with data`);
  // Except for the automatic persisted queries protocol, which Apollo Server answers with 200 under
  // every media type, so that a client reads PERSISTED_QUERY_NOT_FOUND and sends the full query.
  const persistedQueryProtocol = codes.every((code) => code === 'PERSISTED_QUERY_NOT_FOUND' || code === 'PERSISTED_QUERY_NOT_SUPPORTED');
  if (!hasData && answer.status === 200 && prefersGraphQLResponseJson(accept) && !persistedQueryProtocol) {
    problems.push(`status 200 without data under ${accept} (codes ${JSON.stringify(codes)})`);
  }
  return problems;
}

/** `data` and the first error's code, to tally what a run covered. */
export function summary(text: string): string {
  try {
    const body = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    const data = body.data === undefined ? '' : body.data === null ? 'null data' : 'data';
    return [data, body.errors?.[0]?.extensions?.code].filter(Boolean).join(' + ');
  } catch {
    return 'not JSON';
  }
}
