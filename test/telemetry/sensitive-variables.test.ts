import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { buildSchema, parse } from 'graphql';
import { redactSecrets, TOO_DEEP } from '../../platform/log-context.js';
import { capForLog, TRUNCATED_KEY } from '../../src/telemetry/log-capping.js';
import { createGatewayLogger } from '../../src/telemetry/logger.js';
import { SensitiveVariables, sensitiveCoordinates } from '../../src/telemetry/sensitive-variables.js';
import { QueryTextScrubber, redactedQueryAttributes, redisStatement } from '../../src/telemetry/span-redaction.js';

/** A schema with secrets in every kind of place: arguments, input fields, nested inputs, lists. */
const schema = buildSchema(`
  ${readFileSync(new URL('../../schema/sensitive.graphql', import.meta.url), 'utf8')}
  input Credentials { user: String!, secret: String! @sensitive, hints: [Hint!] }
  input Hint { text: String, pin: Int @sensitive }
  input Wrapper { inner: Credentials, many: [Credentials!], note: String }
  input Plain { note: String }
  type Query { ping(note: String): Boolean }
  type Mutation {
    signIn(input: Credentials!): Boolean
    wrap(w: Wrapper, list: [Wrapper]): Boolean
    revoke(token: String! @sensitive, reason: String): Boolean
    revokeAll(tokens: [String!] @sensitive): Boolean
    plain(p: Plain): Boolean
  }
`);

const sensitive = new SensitiveVariables(schema);
const redact = (query: string, variables: Record<string, unknown>) => sensitive.redact(parse(query), variables);

describe('which variables carry a secret, from the schema', () => {
  it('lists every @sensitive argument and input field as schema coordinates', () => {
    assert.deepEqual(sensitiveCoordinates(schema), [
      'Credentials.secret',
      'Hint.pin',
      'Mutation.revoke(token:)',
      'Mutation.revokeAll(tokens:)',
    ]);
  });

  it('a variable of any name passed to a sensitive argument is redacted whole; the others are kept', () => {
    assert.deepEqual(redact('mutation ($zz9: String!, $why: String) { revoke(token: $zz9, reason: $why) }', { zz9: 's3cret', why: 'lost' }), {
      zz9: '[Redacted]',
      why: 'lost',
    });
  });

  it('a variable written inside an input object literal, as a sensitive field, is redacted', () => {
    assert.deepEqual(redact('mutation ($u: String!, $p: String!) { signIn(input: { user: $u, secret: $p }) }', { u: 'ann', p: 's3cret' }), {
      u: 'ann',
      p: '[Redacted]',
    });
  });

  it('an input object in one variable has its sensitive fields redacted, in nested inputs and lists too', () => {
    const redacted = redact('mutation ($in: Credentials!) { signIn(input: $in) }', {
      in: { user: 'ann', secret: 's3cret', hints: [{ text: 'cat', pin: 1234 }, { text: 'dog' }] },
    });
    assert.deepEqual(redacted, { in: { user: 'ann', secret: '[Redacted]', hints: [{ text: 'cat', pin: '[Redacted]' }, { text: 'dog' }] } });
  });

  it('variables deep in nested literals and lists are redacted by where they sit', () => {
    const redacted = redact(
      'mutation ($c: Credentials, $s: String!, $w: [Wrapper], $n: String) { wrap(w: { inner: $c, many: [{ user: "x", secret: $s }], note: $n }, list: $w) }',
      {
        c: { user: 'a', secret: 'one' },
        s: 'two',
        w: [{ many: [{ user: 'b', secret: 'three' }], note: 'kept' }],
        n: 'kept too',
      },
    );
    assert.deepEqual(redacted, {
      c: { user: 'a', secret: '[Redacted]' },
      s: '[Redacted]',
      w: [{ many: [{ user: 'b', secret: '[Redacted]' }], note: 'kept' }],
      n: 'kept too',
    });
  });

  it('a single value sent where a list is expected is redacted like an item of the list', () => {
    assert.deepEqual(redact('mutation ($w: [Wrapper]) { wrap(list: $w) }', { w: { inner: { user: 'a', secret: 'one' } } }), {
      w: { inner: { user: 'a', secret: '[Redacted]' } },
    });
  });

  it('items of a list argument that is sensitive are redacted, as a whole list or one by one', () => {
    assert.deepEqual(redact('mutation ($all: [String!]) { revokeAll(tokens: $all) }', { all: ['a', 'b'] }), { all: '[Redacted]' });
    assert.deepEqual(redact('mutation ($a: String!, $b: String!) { revokeAll(tokens: [$a, $b]) }', { a: 'a', b: 'b' }), {
      a: '[Redacted]',
      b: '[Redacted]',
    });
  });

  it('a variable used in a fragment, and one declared with a secret-holding type but unused, are redacted', () => {
    const redacted = redact(
      'mutation M($t: String!, $unused: Credentials) { ...Revoke } fragment Revoke on Mutation { revoke(token: $t) }',
      { t: 's3cret', unused: { user: 'a', secret: 'one' } },
    );
    assert.deepEqual(redacted, { t: '[Redacted]', unused: { user: 'a', secret: '[Redacted]' } });
  });

  it('a document that fails validation is still redacted wherever its positions are known', () => {
    const redacted = redact('mutation ($t: String!, $x: String) { revoke(token: $t) nope(arg: $x) { deeper } }', { t: 's3cret', x: 'kept' });
    assert.deepEqual(redacted, { t: '[Redacted]', x: 'kept' });
  });

  it('a variable a non-secret position takes, and variables the document does not declare, are kept as sent', () => {
    const variables = { p: { note: 'hello' }, extra: { password: 'left to the name rule' } };
    assert.deepEqual(redact('mutation ($p: Plain) { plain(p: $p) }', variables), variables);
  });

  it('plans each parsed document once and keeps the plan with it', () => {
    const document = parse('mutation ($t: String!) { revoke(token: $t) }');
    assert.equal(sensitive.plan(document), sensitive.plan(document));
  });

  it('knows when a secret is written in the query text: a literal, an unquoted value, a variable’s default', () => {
    const literals = (query: string) => sensitive.plan(parse(query)).sensitiveLiterals;
    assert.equal(literals('mutation { revoke(token: "s3cret") }'), true);
    assert.equal(literals('mutation { signIn(input: { user: "ann", secret: "s3cret" }) }'), true);
    assert.equal(literals('mutation { signIn(input: { user: "ann", secret: s3cret }) }'), true);
    assert.equal(literals('mutation ($t: String! = "s3cret") { revoke(token: $t) }'), true);
    assert.equal(literals('mutation ($c: Credentials = { user: "a", secret: "s3cret" }) { signIn(input: $c) }'), true);
    assert.equal(literals('mutation ($t: String!) { revoke(token: $t, reason: "lost") }'), false);
    assert.equal(literals('mutation { revoke(token: null) }'), false);
  });
});

describe('variables cut to the size of a log line', () => {
  it('cuts a long string to 256 characters and says how much was dropped', () => {
    assert.deepEqual(capForLog({ blob: 'x'.repeat(900_000) }), { blob: `${'x'.repeat(256)}…[899744 more characters]` });
  });

  it('keeps about 4 KB in all and counts the entries and items it dropped', () => {
    const capped = capForLog({ list: Array.from({ length: 1_000 }, (_, i) => `item ${i}`), after: 'dropped' }) as { list: string[] };
    assert.match(capped.list.at(-1)!, /^\[\d+ more items\]$/);
    assert.deepEqual(Object.keys(capped), ['list', TRUNCATED_KEY]);
    assert.ok(JSON.stringify(capped).length < 4_096 + 512);
  });

  it('cuts long keys and deep nesting', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const capped = JSON.stringify(capForLog({ ['k'.repeat(1_000)]: 1, deep }));
    assert.ok(capped.includes('[744 more characters]'));
    assert.ok(capped.includes('[deeper object]') && !capped.includes('bottom'));
  });

  it('the name rule drops what is nested deeper than it reads, instead of passing it on unread', () => {
    let deep: unknown = { password: 'hidden' };
    for (let i = 0; i < 12; i++) deep = { d: deep };
    const redacted = JSON.stringify(redactSecrets(deep));
    assert.ok(!redacted.includes('hidden'));
    assert.ok(redacted.includes(TOO_DEEP));
  });
});

describe('the gateway logger', () => {
  it('writes a logged error without the request body that body-parser hangs on it', () => {
    const lines: string[] = [];
    const logger = createGatewayLogger('info', { write: (line: string) => lines.push(line) });
    const error = Object.assign(new SyntaxError('Unexpected token } in JSON'), { status: 400, body: '{"query":"…","variables":{"p":"s3cret"}' });
    logger.error({ err: error }, 'a refused body');
    logger.error(error, 'the same, as the first argument');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.ok(!line.includes('s3cret'), line);
      assert.match(line, /Unexpected token/);
    }
  });
});

describe('what the instrumentations may put on a span', () => {
  it('an incoming URL keeps its parameter names, never their values', () => {
    const request = { url: '/graphql?query=mutation%20%7B%20login%20%7D&variables=%7B%22p%22%3A%22s3cret%22%7D' } as IncomingMessage;
    assert.deepEqual(redactedQueryAttributes(request), { 'url.query': 'query=REDACTED&variables=REDACTED' });
    assert.deepEqual(redactedQueryAttributes({ url: '/graphql' } as IncomingMessage), {});
  });

  it('a Redis command is recorded without its arguments', () => {
    assert.equal(redisStatement('evalsha', ['sha', 5, 'k', 'mutation { login(input: { password: "s3cret" }) }']), 'evalsha [4 arguments]');
    assert.equal(redisStatement('ping', []), 'ping');
  });

  it('GraphQL spans lose the query text, and parse and validation errors their messages', () => {
    const span = {
      name: 'graphql.validate',
      attributes: { 'graphql.source': 'mutation { login(input: { password: s3cret }) }', kept: 1 },
      events: [{ name: 'exception', attributes: { 'exception.type': 'graphql.validation.error', 'exception.message': 's3cret' } }],
    };
    new QueryTextScrubber().onEnding(span as unknown as Parameters<QueryTextScrubber['onEnding']>[0]);
    assert.deepEqual(span.attributes, { kept: 1 });
    assert.deepEqual(span.events[0]!.attributes, { 'exception.type': 'graphql.validation.error' });
  });
});
