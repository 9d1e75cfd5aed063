import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import {
  astFromValue,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isCompositeType,
  isScalarType,
  print,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { buildSchema } from '../../src/schema.js';
import { isSensitive, sensitiveCoordinates } from '../../src/telemetry/sensitive-variables.js';
import { NOT_LOGGED } from '../../src/telemetry/graphql-plugin.js';
import { ownRedis, type OwnRedis } from '../support/redis.js';
import { freePort, startTraced, waitUntil, type TracedProcess } from './processes.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Why the gateway with Redis cannot run here (no redis-server to start), or false; under CI it must run. */
const noRedis = !process.env.CI && spawnSync('redis-server', ['--version']).error ? 'redis-server is not installed' : false;

describe('what the schema marks @sensitive', () => {
  it('the schema walk finds every password and refresh token the schema takes, and nothing else', () => {
    assert.deepEqual(sensitiveCoordinates(buildSchema()), [
      'LoginInput.password',
      'Mutation.logout(refreshToken:)',
      'Mutation.refreshToken(refreshToken:)',
      'RegisterInput.password',
    ]);
  });
});

/** Where one secret goes: a root field, one of its arguments, and the input fields leading from it to the secret. */
interface SecretPosition {
  operation: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
  argument: GraphQLArgument;
  /** Input fields from the argument to the sensitive one; empty when the argument itself is sensitive. */
  path: string[];
  /** Its schema coordinate, as `sensitiveCoordinates` names it. */
  coordinate: string;
  /** The type of the secret itself (`String!`). */
  leafType: GraphQLInputType;
}

/** Every place a client can send a secret, found by walking the root fields' arguments for `@sensitive`. */
function secretPositions(schema: GraphQLSchema): SecretPosition[] {
  const positions: SecretPosition[] = [];
  const roots: [SecretPosition['operation'], GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ];
  for (const [operation, root] of roots) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      for (const argument of field.args) {
        if (isSensitive(argument)) {
          positions.push({ operation, field, argument, path: [], coordinate: `${root!.name}.${field.name}(${argument.name}:)`, leafType: argument.type });
          continue;
        }
        const walk = (type: GraphQLInputType, path: string[], seen: Set<string>) => {
          const named = getNamedType(type);
          if (!isInputObjectType(named) || seen.has(named.name)) return;
          for (const inner of Object.values(named.getFields())) {
            if (isSensitive(inner)) {
              positions.push({ operation, field, argument, path: [...path, inner.name], coordinate: `${named.name}.${inner.name}`, leafType: inner.type });
            } else {
              walk(inner.type, [...path, inner.name], new Set([...seen, named.name]));
            }
          }
        };
        walk(argument.type, [], new Set());
      }
    }
  }
  return positions;
}

/** A value of `type` that passes the schema (and, for the fields named here, the gateway's checks). */
function sample(type: GraphQLInputType, name: string): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [sample(nullable.ofType, name)];
  if (isInputObjectType(nullable)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(nullable.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) value[field.name] = sample(field.type, field.name);
    }
    return value;
  }
  if (isEnumType(nullable)) return nullable.getValues()[0]?.value;
  if (isScalarType(nullable)) {
    if (nullable.name === 'Int' || nullable.name === 'Float') return 1;
    if (nullable.name === 'Boolean') return false;
    if (nullable.name === 'DateTime') return new Date().toISOString();
    if (name === 'email') return `s${hex(4)}@example.com`;
    if (name === 'username') return `u${hex(6)}`;
    if (name === 'displayName') return 'Secret Tester';
    return 'sample';
  }
  return null;
}

/** A value of `type` with `secret` at `path` (input fields), its required fields filled around it. */
function withSecret(type: GraphQLInputType, path: string[], secret: unknown): unknown {
  if (path.length === 0) return secret;
  const value = sample(type, '') as Record<string, unknown>;
  const named = getNamedType(type);
  assert.ok(isInputObjectType(named));
  const [head, ...rest] = path as [string, ...string[]];
  value[head] = withSecret(named.getFields()[head]!.type, rest, secret);
  return isListType(getNullableType(type)) ? [value] : value;
}

/** `value` written as a GraphQL literal of `type`; a string equal to `slot` becomes the variable `$<variable>`. */
function literal(value: unknown, type: GraphQLInputType, slot?: { text: string; variable: string }): string {
  const node = astFromValue(value, type);
  assert.ok(node, 'a sample value the schema cannot take');
  const text = print(node);
  return slot ? text.replace(JSON.stringify(slot.text), `$${slot.variable}`) : text;
}

/** One request that carries secrets, and what the gateway answered. */
interface Sent {
  label: string;
  method: 'GET' | 'POST';
  requestId: string;
  status: number;
  codes: string[];
}

/** One GraphQL request as a test builds it. */
interface Attempt {
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  secrets: string[];
  method?: 'GET' | 'POST';
  /** Registers the query as an automatic persisted query (stored in Redis when the gateway has one). */
  persisted?: boolean;
}

/** A 900 KB variable no operation uses: it once made a 900 KB log line. */
const PADDING = 'p'.repeat(900_000);

/**
 * Every way of sending the secret at `position`: through a variable with an
 * odd name, as a whole input object in one variable, as a literal, as a
 * variable's default, in documents that fail validation, beside a huge unused
 * variable, and over GET.
 */
function attemptsFor(position: SecretPosition, index: number): Attempt[] {
  const { operation, field, argument, path, leafType } = position;
  const secret = () => `sekrit-${hex(12)}`;
  const others = field.args
    .filter((arg) => arg !== argument && isNonNullType(arg.type) && arg.defaultValue === undefined)
    .map((arg) => `${arg.name}: ${literal(sample(arg.type, arg.name), arg.type)}`);
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  const call = (value: string) => `${field.name}(${[`${argument.name}: ${value}`, ...others].join(', ')})${selection}`;
  const name = `Secret${index}`;
  const leaf = String(leafType);

  const odd = `_${hex(2)}Q`;
  const oddVariable = (extra = '') => {
    const slot = { text: `slot-${hex(4)}`, variable: odd };
    return `${operation} ${name}($${odd}: ${leaf}) { ${call(literal(withSecret(argument.type, path, slot.text), argument.type, slot))}${extra} }`;
  };
  const literalDocument = (s: string, extra = '') => `${operation} ${name} { ${call(literal(withSecret(argument.type, path, s), argument.type))}${extra} }`;
  const refused = ` noSuchField${hex(2)}`;

  const attempts: Attempt[] = [];
  const add = (label: string, make: (s: string) => Omit<Attempt, 'label' | 'secrets'>) => {
    const s = secret();
    // As a GraphQL name too: an unquoted literal is one.
    attempts.push({ label: `${position.coordinate}: ${label}`, secrets: [s, s.replace(/-/g, '_')], ...make(s) });
  };
  add('a variable with an odd name', (s) => ({ query: oddVariable(), variables: { [odd]: s } }));
  if (path.length > 0) {
    add('the whole input object in one variable', (s) => ({
      query: `${operation} ${name}($data: ${String(argument.type)}) { ${call('$data')} }`,
      variables: { data: withSecret(argument.type, path, s) },
    }));
  }
  add('a literal in the query text', (s) => ({ query: literalDocument(s) }));
  add('the default value of a variable', (s) => {
    const slot = { text: `slot-${hex(4)}`, variable: odd };
    return { query: `${operation} ${name}($${odd}: ${leaf} = ${JSON.stringify(s)}) { ${call(literal(withSecret(argument.type, path, slot.text), argument.type, slot))} }` };
  });
  add('a variable, in a document that fails validation', (s) => ({ query: oddVariable(refused), variables: { [odd]: s } }));
  // graphql-js quotes the value of a variable it cannot coerce, and a literal of the wrong type, in its error.
  add('a variable of the wrong shape', (s) => ({ query: oddVariable(), variables: { [odd]: { value: s } } }));
  if (path.length > 0) {
    add('an input object variable with a field its type lacks', (s) => ({
      query: `${operation} ${name}($data: ${String(argument.type)}) { ${call('$data')} }`,
      variables: { data: { ...(withSecret(argument.type, path, s) as object), unexpected: 1 } },
    }));
  }
  add('an unquoted literal', (s) => ({ query: literalDocument('SLOT').replace('"SLOT"', s.replace(/-/g, '_')) }));
  add('a literal, in a document that fails validation', (s) => ({ query: literalDocument(s, refused) }));
  add('a variable beside a 900 KB unused one', (s) => ({ query: oddVariable(), variables: { [odd]: s, padding: PADDING } }));
  add('a variable, over GET', (s) => ({ query: oddVariable(), variables: { [odd]: s }, method: 'GET' }));
  add('a literal, over GET', (s) => ({ query: literalDocument(s), method: 'GET' }));
  add('a literal, registered as a persisted query', (s) => ({ query: literalDocument(s), persisted: true }));
  add('a variable, in a document that does not parse', (s) => ({ query: `${oddVariable()} }`, variables: { [odd]: s } }));
  return attempts;
}

/** What an OTLP/HTTP collector received, as the raw JSON text of each export: every attribute, event and status. */
class RawOtlpReceiver {
  readonly bodies: string[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<RawOtlpReceiver> {
    const server = createServer();
    const receiver = new RawOtlpReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        receiver.bodies.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The names of every span received. */
  spanNames(): string[] {
    return this.bodies.flatMap((body) =>
      ((JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: { name: string }[] }[] }[] }).resourceSpans ?? []).flatMap((resource) =>
        (resource.scopeSpans ?? []).flatMap((scope) => (scope.spans ?? []).map((span) => span.name)),
      ),
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The codes of a GraphQL response's errors; a body that is not JSON counts as its HTTP status. */
function errorCodesOf(text: string, status: number): string[] {
  try {
    return ((JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors ?? []).map((error) => String(error.extensions?.code));
  } catch {
    return [`HTTP ${status}`];
  }
}

/** Sends one attempt and records what came back. */
async function send(url: string, attempt: Attempt): Promise<Sent> {
  const requestId = `req-${hex(8)}`;
  const method = attempt.method ?? 'POST';
  let response: Response;
  if (method === 'GET') {
    const params = new URLSearchParams({ query: attempt.query });
    if (attempt.variables) params.set('variables', JSON.stringify(attempt.variables));
    response = await fetch(`${url}?${params}`, { headers: { 'apollo-require-preflight': 'true', 'x-request-id': requestId } });
  } else {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({
        query: attempt.query,
        variables: attempt.variables,
        ...(attempt.persisted ? { extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(attempt.query).digest('hex') } } } : {}),
      }),
    });
  }
  const text = await response.text();
  return { label: attempt.label, method, requestId, status: response.status, codes: errorCodesOf(text, response.status) };
}

describe('secrets never leave the gateway: in no log line and on no exported span', () => {
  const schema = buildSchema();
  let receiver: RawOtlpReceiver;
  let users: TracedProcess;
  let auth: TracedProcess;
  let redis: OwnRedis | undefined;
  /** One gateway as deployed (no variables logged), one with `LOG_VARIABLES=true`. */
  const gateways: { process: TracedProcess; url: string; logVariables: boolean }[] = [];
  /** Every secret sent, or received from the auth service, so far. */
  const secrets = new Set<string>();
  const sent: Sent[] = [];

  before(async () => {
    receiver = await RawOtlpReceiver.start();
    if (!noRedis) {
      redis = await ownRedis();
      await redis.start();
    }
    const [usersPort, authPort] = await Promise.all([freePort(), freePort()]);
    const nowhere = `127.0.0.1:${await freePort()}`;
    const common = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Every level: a debug line is as much a leak as any other.
      LOG_LEVEL: 'trace',
      USERS_SERVICE_ADDR: `127.0.0.1:${usersPort}`,
      AUTH_SERVICE_ADDR: `127.0.0.1:${authPort}`,
      SEED_USERS: '20',
      SEED_POSTS: '20',
    };
    users = startTraced('services/users/main.ts', 'services/common/instrumentation.ts', { ...common, LISTEN_ADDR: `127.0.0.1:${usersPort}` });
    auth = startTraced('services/auth/main.ts', 'services/common/instrumentation.ts', { ...common, LISTEN_ADDR: `127.0.0.1:${authPort}` });
    for (const logVariables of [false, true]) {
      const port = await freePort();
      const running = startTraced('src/main.ts', 'src/instrumentation.ts', {
        ...common,
        HOST: '127.0.0.1',
        PORT: String(port),
        ADMIN_PORT: '0',
        // The second keeps its limits and persisted queries in Redis, whose commands are spans too.
        ...(logVariables ? { LOG_VARIABLES: 'true', ...(redis ? { REDIS_URL: redis.url } : {}) } : {}),
        // Low, so that the same secrets are also sent in requests refused as RATE_LIMITED.
        RATE_LIMIT_LOGIN: '3/600',
        RATE_LIMIT_REGISTER: '3/600',
        RATE_LIMIT_REFRESH: '3/600',
        POSTS_SERVICE_ADDR: nowhere,
        RELATIONS_SERVICE_ADDR: nowhere,
        NOTIFICATIONS_SERVICE_ADDR: nowhere,
        RECOMMENDATIONS_SERVICE_ADDR: nowhere,
      });
      gateways.push({ process: running, url: `http://127.0.0.1:${port}/graphql`, logVariables });
    }
    for (const each of [users, auth, ...gateways.map((gateway) => gateway.process)]) {
      await waitUntil('every process to listen', () => {
        if (each.child.exitCode !== null) throw new Error(`a process exited: ${each.lines.join('\n')}`);
        return each.lines.some((line) => /service listening on|gateway ready at/.test(line));
      });
    }
  });

  after(async () => {
    for (const each of [...gateways.map((gateway) => gateway.process), auth, users]) await each?.stop();
    await receiver?.close();
    await redis?.kill();
  });

  it('a real sign-up, sign-in, refresh and sign-out: the password and every token stay out', async () => {
    for (const { url } of gateways) {
      const password = `sekrit-${hex(12)}`;
      secrets.add(password);
      const payload = '{ accessToken refreshToken }';
      const post = async (label: string, query: string, variables: Record<string, unknown>) => {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
        const body = (await response.json()) as { data?: Record<string, { accessToken?: string; refreshToken?: string } | boolean>; errors?: unknown[] };
        assert.equal(body.errors, undefined, `${label}: ${JSON.stringify(body.errors)}`);
        for (const value of Object.values(body.data ?? {})) {
          if (typeof value === 'object') for (const token of [value.accessToken, value.refreshToken]) if (token) secrets.add(token);
        }
        sent.push({ label, method: 'POST', requestId: '', status: response.status, codes: [] });
        return body.data!;
      };
      const email = `s${hex(4)}@example.com`;
      await post('register', `mutation SignUp($account: RegisterInput!) { register(input: $account) ${payload} }`, {
        account: { username: `u${hex(6)}`, email, password, displayName: 'Secret Tester' },
      });
      const signedIn = (await post('login', `mutation SignIn($e: String!, $p: String!) { login(input: { email: $e, password: $p }) ${payload} }`, { e: email, p: password })) as {
        login: { refreshToken: string };
      };
      const refreshed = (await post('refreshToken', `mutation Refresh($t: String!) { refreshToken(refreshToken: $t) ${payload} }`, { t: signedIn.login.refreshToken })) as {
        refreshToken: { refreshToken: string };
      };
      await post('logout', 'mutation SignOut($t: String!) { logout(refreshToken: $t) }', { t: refreshed.refreshToken.refreshToken });
    }
  });

  it('every @sensitive argument and input field, sent every way, in requests that fail, are rate limited or are refused', async () => {
    const positions = secretPositions(schema);
    const reachable = new Set(positions.map((position) => position.coordinate));
    const unreachable = sensitiveCoordinates(schema).filter((coordinate) => !reachable.has(coordinate));
    assert.deepEqual(unreachable, [], 'a @sensitive argument or input field no root field takes: send it some other way here');

    let index = 0;
    for (const { url } of gateways) {
      for (const position of positions) {
        // Twice, so that the second round runs into the attempt limits.
        for (let round = 0; round < 2; round++) {
          for (const attempt of attemptsFor(position, index++)) {
            for (const secret of attempt.secrets) secrets.add(secret);
            // A document with a secret written in it must not be named by its hash either: a short secret can be guessed back from it.
            if (attempt.secrets.some((secret) => attempt.query.includes(secret))) secrets.add(createHash('sha256').update(attempt.query).digest('hex'));
            sent.push(await send(url, attempt));
          }
        }
      }
    }
    const codes = new Set(sent.flatMap((each) => each.codes));
    for (const code of ['UNAUTHENTICATED', 'RATE_LIMITED', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']) {
      assert.ok(codes.has(code), `no request was answered ${code}; got ${[...codes].join(', ')}`);
    }
  });

  it('with LOG_VARIABLES=true the other variables are logged, secrets redacted, long values cut, the whole capped', async () => {
    const gateway = gateways.find((each) => each.logVariables)!;
    const password = `sekrit-${hex(12)}`;
    const apiToken = `sekrit-${hex(12)}`;
    secrets.add(password).add(apiToken);
    const requestId = `req-${hex(8)}`;
    const lines = gateway.process.lines.length;
    const many = Array.from({ length: 200 }, (_, i) => `item-${i}-${'m'.repeat(40)}`);
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({
        query: 'mutation SignIn($who: LoginInput!) { login(input: $who) { __typename } }',
        // Variables the operation does not declare are ignored, and logged like the others.
        variables: { who: { email: 'user1@example.com', password }, note: 'a visible note', padding: PADDING, apiToken, many },
      }),
    });
    await response.body?.cancel();

    const line = await waitUntil('the request’s log line', () =>
      gateway.process.lines.slice(lines).find((text) => text.includes(requestId) && text.includes('graphql request')),
    );
    const record = JSON.parse(line) as { outcome: string; variables: Record<string, unknown> };
    assert.equal(record.outcome, 'error', 'signing in is over its limit by now, and logs the same way');
    assert.deepEqual(record.variables.who, { email: 'user1@example.com', password: '[Redacted]' });
    assert.equal(record.variables.note, 'a visible note');
    assert.equal(record.variables.apiToken, '[Redacted]', 'a name like a secret is redacted too');
    assert.equal(record.variables.padding, `${'p'.repeat(256)}…[${900_000 - 256} more characters]`);
    const list = record.variables.many as string[];
    assert.ok(list.length < many.length && /^\[\d+ more items\]$/.test(list.at(-1)!), `the list is cut short: ${JSON.stringify(list.slice(-2))}`);
    assert.ok(JSON.stringify(record.variables).length < 4_096 + 512, 'the variables take about 4 KB at most');
  });

  it('with LOG_VARIABLES=true a refused document logs its variables redacted, and one that does not parse logs none', async () => {
    const gateway = gateways.find((each) => each.logVariables)!;
    const password = `sekrit-${hex(12)}`;
    secrets.add(password);
    const record = async (query: string) => {
      const requestId = `req-${hex(8)}`;
      const lines = gateway.process.lines.length;
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ query, variables: { x: password, note: 'kept' } }),
      });
      await response.body?.cancel();
      const line = await waitUntil('the request’s log line', () =>
        gateway.process.lines.slice(lines).find((text) => text.includes(requestId) && text.includes('graphql request')),
      );
      return JSON.parse(line) as { errorCodes: string[]; variables: unknown };
    };
    const refused = await record('mutation M($x: String!) { logout(refreshToken: $x) nope }');
    assert.deepEqual(refused.errorCodes, ['GRAPHQL_VALIDATION_FAILED']);
    assert.deepEqual(refused.variables, { x: '[Redacted]', note: 'kept' });
    const unparsed = await record('mutation M($x: String!) { logout(refreshToken: $x) ');
    assert.deepEqual(unparsed.errorCodes, ['GRAPHQL_PARSE_FAILED']);
    assert.equal(unparsed.variables, NOT_LOGGED);
  });

  it('once every process has exited (its spans flushed), no secret is in any log line, span, event or status', async () => {
    assert.ok(secrets.size > 50, `only ${secrets.size} secrets were sent`);
    for (const each of gateways) each.process.child.kill('SIGTERM');
    auth.child.kill('SIGTERM');
    users.child.kill('SIGTERM');
    for (const each of [...gateways.map((gateway) => gateway.process), auth, users]) assert.equal(await each.exited, 0);

    const names = receiver.spanNames();
    const expectedSpans = ['POST /graphql', 'graphql mutation SignIn', 'graphql.parse', 'graphql.validate', ...(redis ? ['evalsha'] : [])];
    for (const expected of expectedSpans) {
      assert.ok(names.includes(expected), `no ${expected} span was exported, so this test would prove nothing: ${[...new Set(names)].join(', ')}`);
    }
    const logs = [...gateways.flatMap((gateway) => gateway.process.lines), ...auth.lines, ...users.lines];
    const logged = new Set(logs.filter((line) => line.includes('"graphql request"')).map((line) => (JSON.parse(line) as { requestId?: string }).requestId));
    const unlogged = sent.filter((each) => each.method === 'POST' && each.requestId && !logged.has(each.requestId)).map((each) => each.label);
    assert.deepEqual(unlogged, [], 'every request sent with a secret made its log line');
    const leaks: string[] = [];
    for (const secret of secrets) {
      for (const line of logs) if (line.includes(secret)) leaks.push(`log: ${line.slice(0, 400)}`);
      for (const body of receiver.bodies) {
        const at = body.indexOf(secret);
        if (at >= 0) leaks.push(`span export: …${body.slice(Math.max(0, at - 300), at + 100)}…`);
      }
    }
    assert.deepEqual(leaks.slice(0, 5), [], `${leaks.length} leaks`);
    const longest = Math.max(...logs.map((line) => line.length));
    assert.ok(longest < 16_384, `a log line of ${longest} characters`);
  });
});
