import { connect } from 'node:net';
import { createHash } from 'node:crypto';

/** What the gateway answered to one hostile request. */
export interface HostileAnswer {
  status: number;
  /** `extensions.code` of the first error, if any. */
  code: string | undefined;
  /** `extensions.limit` of the first error, if any. */
  limit: string | undefined;
  /** Whether the answer carried data (the request ran). */
  ran: boolean;
}

/** One hostile request shape, as an outside tester would send it to an anonymous endpoint. */
export interface HostileRequest {
  /** What it is, as the README's table names it. */
  shape: string;
  /** The answer it must get. */
  expected: { status: number; code: string | undefined; limit?: string };
  /** Whether it is refused before execution, so that no RPC may be sent for it. */
  refusedBeforeExecution: boolean;
  send(url: string): Promise<HostileAnswer>;
}

/** Modern clients' Accept header: request errors are 4xx under it (GraphQL over HTTP). */
const ACCEPT = 'application/graphql-response+json, application/json;q=0.9';

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<HostileAnswer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body });
  return answer(response.status, await response.text());
}

function answer(status: number, text: string): HostileAnswer {
  let body: { data?: unknown; errors?: { extensions?: { code?: string; limit?: string } }[] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON: the status says it all.
  }
  const first = body.errors?.[0]?.extensions;
  return { status, code: first?.code, limit: first?.limit, ran: body.data !== undefined && body.data !== null };
}

const query = (text: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query: text, ...extra });

/** `followers(first: 100)` nested `levels` deep under one user. */
export const nestedFollowers = (levels: number): string =>
  levels === 0 ? 'id' : `followers(first: 100) { edges { node { ${nestedFollowers(levels - 1)} } } }`;

/** Aliases of `user(...) { posts(first: 100) ... }`, as the outside test sent them. */
const aliasedPosts = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `u${i}: user(id: "usr_${(i % 50) + 1}") { posts(first: 100) { edges { node { id title likesCount author { id } } } } }`).join(' ')} }`;

/** The most expensive query the defaults allow: cost 4,808 of 5,000. */
export const MOST_EXPENSIVE_ALLOWED =
  '{ u0: user(id: "usr_1") { posts(first: 100) { edges { node { id title likesCount likedByViewer author { id username followersCount followingCount } } } } } ' +
  'u1: user(id: "usr_2") { posts(first: 100) { edges { node { id title likesCount likedByViewer author { id username followersCount followingCount } } } } } ' +
  'u2: user(id: "usr_3") { posts(first: 100) { edges { node { id title likesCount likedByViewer author { id username followersCount followingCount } } } } } ' +
  'u3: user(id: "usr_4") { followers(first: 100) { edges { node { id username followersCount followingCount isFollowedByViewer posts(first: 7) { edges { node { id title likesCount } } } } } } } }';

/** A query of `characters` characters, padded with a comment. */
const padded = (text: string, characters: number) => `${text}\n#${'x'.repeat(Math.max(0, characters - text.length - 2))}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Sends a request whose body arrives one byte every `intervalMs`, on a raw
 * socket, and resolves with the status the gateway answers before the body is done.
 */
export function slowDrip(url: string, intervalMs = 100): Promise<HostileAnswer> {
  const { hostname, port, pathname } = new URL(url);
  const body = query('{ __typename }');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < body.length && socket.writable) socket.write(body[sent++]!);
    }, intervalMs);
    socket.on('connect', () => {
      socket.write(`POST ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    const done = () => {
      clearInterval(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      resolve(answer(status, received.slice(received.indexOf('\r\n\r\n') + 4)));
    };
    socket.on('close', done);
    socket.on('error', (error) => {
      clearInterval(timer);
      if (received) done();
      else reject(error);
    });
  });
}

/** Sends request headers one line every `intervalMs`, never finishing them. */
export function slowHeaders(url: string, intervalMs = 100): Promise<HostileAnswer> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let line = 0;
    const timer = setInterval(() => {
      if (socket.writable) socket.write(`X-Slow-${line++}: ${'a'.repeat(10)}\r\n`);
    }, intervalMs);
    socket.on('connect', () => socket.write(`POST ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\n`));
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    socket.on('close', () => {
      clearInterval(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      resolve(answer(status, received.slice(received.indexOf('\r\n\r\n') + 4)));
    });
    socket.on('error', (error) => {
      clearInterval(timer);
      if (!received) reject(error);
    });
  });
}

const refused = (status: number, code: string, limit?: string) => ({ status, code, limit });

/**
 * The hostile shapes of the README's demand-control table, each with the
 * answer the defaults give it. All are anonymous, as from anyone on the internet.
 */
export const HOSTILE_REQUESTS: readonly HostileRequest[] = [
  {
    shape: '`followers(first: 100)` nested 4 deep (544 bytes, 10^8 potential nodes)',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'depth'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ user(id: "usr_1") { ${nestedFollowers(4)} } }`)),
  },
  {
    shape: '`followers(first: 100)` nested 2 deep, within the depth limit (cost 20,302)',
    expected: refused(400, 'OPERATION_TOO_EXPENSIVE', 'cost'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ user(id: "usr_1") { ${nestedFollowers(2)} } }`)),
  },
  {
    shape: 'a query 60 levels deep',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'depth'),
    refusedBeforeExecution: true,
    send: (url) => {
      const deep = (levels: number): string => (levels === 0 ? 'id' : `user { following(first: 1) { edges { node { ${deep(levels - 1)} } } } }`);
      return post(url, query(`{ post(id: "pst_1") { author { following(first: 1) { edges { node { ${deep(14)} } } } } } }`));
    },
  },
  {
    shape: '2,000 aliases of `user { posts(first: 100) }` (250 KB)',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'characters'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(aliasedPosts(2_000))),
  },
  {
    shape: '300 aliases of `user { id }` (9 KB)',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'tokens'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ ${Array.from({ length: 300 }, (_, i) => `a${i}: user(id: "usr_1") { id }`).join(' ')} }`)),
  },
  {
    shape: '16 aliases of `user { id }` (one over the alias limit)',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'aliases'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: user(id: "usr_1") { id }`).join(' ')} }`)),
  },
  {
    shape: '15 aliases of `posts(first: 100)` in one user (aliases allowed, cost 6,016)',
    expected: refused(400, 'OPERATION_TOO_EXPENSIVE', 'cost'),
    refusedBeforeExecution: true,
    send: (url) =>
      post(
        url,
        query(`{ user(id: "usr_1") { ${Array.from({ length: 15 }, (_, i) => `p${i}: posts(first: 100) { edges { node { id title likesCount author { id } } } }`).join(' ')} } }`),
      ),
  },
  {
    shape: '11 root fields (`user` under 11 aliases)',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'rootFields'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ ${Array.from({ length: 11 }, (_, i) => `u${i}: user(id: "usr_${i + 1}") { id }`).join(' ')} }`)),
  },
  {
    shape: '30 aliased `register` mutations in one request',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'aliases'),
    refusedBeforeExecution: true,
    send: (url) =>
      post(
        url,
        query(
          `mutation { ${Array.from(
            { length: 30 },
            (_, i) => `r${i}: register(input: { username: "spam${i}", email: "spam${i}@example.com", password: "password-${i}", displayName: "Spam" }) { accessToken }`,
          ).join(' ')} }`,
        ),
      ),
  },
  {
    shape: 'fragment fan-out: fragments spreading lists into lists',
    expected: refused(400, 'OPERATION_TOO_EXPENSIVE', 'cost'),
    refusedBeforeExecution: true,
    send: (url) =>
      post(
        url,
        query(`{ user(id: "usr_1") { ...A } }
          fragment A on User { followers(first: 100) { edges { node { ...B ...C } } } }
          fragment B on User { following(first: 100) { edges { node { id } } } }
          fragment C on User { posts(first: 100) { edges { node { id } } } }`),
      ),
  },
  {
    shape: 'introspection with a 20-deep `ofType` chain',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'introspectionDepth'),
    refusedBeforeExecution: true,
    send: (url) => {
      const ofType = (levels: number): string => (levels === 0 ? 'name' : `ofType { ${ofType(levels - 1)} }`);
      return post(url, query(`{ __schema { types { fields { type { ${ofType(20)} } } } } }`));
    },
  },
  {
    shape: 'introspection nesting `fields { type { fields ... } }`',
    expected: refused(400, 'GRAPHQL_VALIDATION_FAILED'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query('{ __type(name: "User") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }')),
  },
  {
    shape: '60 directives (`__typename @skip(if: false)` repeated)',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'directives'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ ${'__typename @skip(if: false) '.repeat(60)}}`)),
  },
  {
    shape: 'the same directive 60 times on one field',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'directives'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ __typename ${'@include(if: true) '.repeat(60)}}`)),
  },
  {
    shape: '3,000 tokens (`me` repeated)',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'tokens'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ ${'me '.repeat(3_000)}}`)),
  },
  {
    shape: 'a 900 KB query (a few tokens and a long comment)',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'characters'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(padded('{ __typename }', 900_000))),
  },
  {
    shape: 'an automatic persisted query of 900 KB registered',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'characters'),
    refusedBeforeExecution: true,
    send: (url) => {
      const text = padded('query Big { __typename }', 900_000);
      return post(url, query(text, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(text) } } }));
    },
  },
  {
    shape: '500 operations in one document',
    expected: refused(400, 'OPERATION_LIMIT_EXCEEDED', 'tokens'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(Array.from({ length: 500 }, (_, i) => `query Q${i} { __typename }`).join('\n'), { operationName: 'Q1' })),
  },
  {
    shape: 'a 1.5 MB body of variables',
    expected: refused(413, 'BAD_REQUEST'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query('query($x: String) { __typename }', { variables: { x: 'x'.repeat(1_500_000) } })),
  },
  {
    shape: 'a variable nested 10,000 lists deep',
    expected: refused(400, 'BAD_USER_INPUT'),
    refusedBeforeExecution: true,
    send: (url) =>
      post(url, `{"query":"query($ids: [ID!]!) { users(ids: $ids) { id } }","variables":{"ids":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`),
  },
  {
    shape: 'a literal nested 400 lists deep',
    expected: refused(400, 'GRAPHQL_VALIDATION_FAILED'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ users(ids: ${'['.repeat(400)}"usr_1"${']'.repeat(400)}) { id } }`)),
  },
  {
    shape: '101 ids to `users(ids:)`',
    expected: { status: 200, code: 'BAD_USER_INPUT' },
    refusedBeforeExecution: true,
    send: (url) => post(url, query(`{ users(ids: [${Array.from({ length: 101 }, (_, i) => `"usr_${i}"`).join(',')}]) { id } }`)),
  },
  {
    shape: 'a batch of two operations in one array',
    expected: refused(400, 'BAD_REQUEST'),
    refusedBeforeExecution: true,
    send: (url) => post(url, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }])),
  },
  {
    shape: 'a fragment that spreads itself',
    expected: refused(400, 'GRAPHQL_VALIDATION_FAILED'),
    refusedBeforeExecution: true,
    send: (url) => post(url, query('{ user(id: "usr_1") { ...F } } fragment F on User { followers { edges { node { ...F } } } }')),
  },
  {
    shape: 'the most expensive query the limits allow (cost 4,808)',
    expected: { status: 200, code: undefined },
    refusedBeforeExecution: false,
    send: (url) => post(url, query(MOST_EXPENSIVE_ALLOWED)),
  },
];
