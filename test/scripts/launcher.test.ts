import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { buildIfNeeded, freePort, ROOT } from '../../scripts/stack.mjs';
import { buildWebIfNeeded } from '../../scripts/web.mjs';
import { eventually } from '../support/eventually.js';
import { graphql } from '../support/graphql.js';

/*
 * `npm start` (scripts/start.mjs) run for real: the six services and the
 * gateway as processes, ended every way a launcher can end. Whatever ends it,
 * none of its processes may be left holding a port.
 */

/** Reads /proc, as the processes are the ones of this machine. */
const notLinux = process.platform === 'linux' ? false : 'reads process trees from /proc, which only Linux has';
const START_TIMEOUT_MS = 60_000;
const GONE_TIMEOUT_MS = 30_000;

/** One process as /proc tells it: enough to find it again and to know it is the same one. */
interface ProcessInfo {
  pid: number;
  ppid: number;
  /** `Z` for a zombie: ended, waiting for a parent that may never reap it. */
  state: string;
  /** Clock ticks since boot when it started: a pid reused later has another. */
  startTime: string;
  command: string;
}

function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields follow the last `)`.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(fields[1]), state: fields[0]!, startTime: fields[19]!, command };
  } catch {
    return undefined;
  }
}

/** Every process under `root`, at any depth. */
function descendantsOf(root: number): ProcessInfo[] {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => processInfo(Number(entry)))
    .filter((info): info is ProcessInfo => info !== undefined);
  const found: ProcessInfo[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (parents.has(info.ppid) && !parents.has(info.pid)) {
        parents.add(info.pid);
        found.push(info);
        grew = true;
      }
    }
  }
  return found;
}

/** Whether `info`'s process still runs (not ended, not a zombie, not a new process under the same pid). */
function running(info: ProcessInfo): boolean {
  const now = processInfo(info.pid);
  return now !== undefined && now.startTime === info.startTime && now.state !== 'Z';
}

/** The processes the launcher starts: the six services and the gateway, from dist/. */
const isStackChild = (info: ProcessInfo) => /dist\/(services\/\w+|src)\/main\.js/.test(info.command);

interface Launched {
  /** The process this test started: the launcher itself, or npm. */
  child: ChildProcess;
  /** Where the gateway answers GraphQL. */
  graphqlUrl: string;
  /** Everything under it once the stack is up. */
  tree: ProcessInfo[];
  output: () => string;
}

/**
 * Environment of a stack on free ports, with no demo data (quick to start),
 * nothing sent anywhere, and no NATS_URL: the events on the launcher's bus, as `npm start` runs by default.
 */
async function stackEnv(): Promise<NodeJS.ProcessEnv> {
  const ports = await Promise.all(Array.from({ length: 10 }, () => freePort()));
  const [users, auth, posts, relations, notifications, recommendations, port, adminPort, jwks, webPort] = ports;
  const { NODE_TEST_CONTEXT: _context, NATS_URL: _nats, EVENTS_BUS: _bus, ...inherited } = process.env;
  return {
    ...inherited,
    USERS_SERVICE_ADDR: `127.0.0.1:${users}`,
    AUTH_SERVICE_ADDR: `127.0.0.1:${auth}`,
    POSTS_SERVICE_ADDR: `127.0.0.1:${posts}`,
    RELATIONS_SERVICE_ADDR: `127.0.0.1:${relations}`,
    NOTIFICATIONS_SERVICE_ADDR: `127.0.0.1:${notifications}`,
    RECOMMENDATIONS_SERVICE_ADDR: `127.0.0.1:${recommendations}`,
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    WEB_PORT: String(webPort),
    JWKS_LISTEN_ADDR: `127.0.0.1:${jwks}`,
    SEED: 'none',
    REDIS_URL: '',
    OTEL_SDK_DISABLED: 'true',
    NO_COLOR: '1',
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
  };
}

/** Starts `command` (the launcher, or npm running it) and waits until it says the stack runs. */
async function launch(command: string, args: string[]): Promise<Launched> {
  const env = await stackEnv();
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!output.includes('Pinstack is running')) {
    if (child.exitCode !== null || child.signalCode !== null) assert.fail(`the launcher ended while starting:\n${output}`);
    if (Date.now() > deadline) assert.fail(`the stack did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    await delay(100);
  }
  const tree = descendantsOf(child.pid!);
  assert.equal(tree.filter(isStackChild).length, 7, `six services and the gateway run:\n${tree.map((info) => info.command).join('\n')}`);
  return { child, graphqlUrl: `http://127.0.0.1:${env.PORT}/graphql`, tree, output: () => output };
}

/** Waits until none of `processes` runs; returns those still running after the timeout. */
async function survivors(processes: ProcessInfo[]): Promise<ProcessInfo[]> {
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  for (;;) {
    const left = processes.filter(running);
    if (left.length === 0 || Date.now() > deadline) return left;
    await delay(100);
  }
}

describe('the local launcher (npm start)', () => {
  const started: ProcessInfo[] = [];

  before(() => {
    // Once, up front: the launcher would otherwise build in each test.
    if (!notLinux) {
      buildIfNeeded({ outputFd: 2 });
      buildWebIfNeeded({ outputFd: 2 });
    }
  });

  after(() => {
    // Whatever a failed test left behind is ended here, by pid, so that it cannot hold ports for the next run.
    for (const info of started.filter(running)) process.kill(info.pid, 'SIGKILL');
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal} to the launcher stops the gateway and the six services, and it exits 0`, { skip: notLinux, timeout: 120_000 }, async () => {
      const { child, tree, output } = await launch(process.execPath, ['scripts/start.mjs']);
      started.push(...tree);
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, output());
      assert.deepEqual((await survivors(tree)).map((info) => info.command), []);
    });
  }

  it('SIGKILL of the launcher: its children stop themselves', { skip: notLinux, timeout: 120_000 }, async () => {
    const { child, tree, output } = await launch(process.execPath, ['scripts/start.mjs']);
    started.push(...tree);
    // The web client is served on its own origin, pointed at this gateway.
    const app = /App\s+(http:\/\/\S+)/.exec(output())?.[1];
    const gatewayUrl = /GraphQL\s+(http:\/\/\S+)/.exec(output())?.[1];
    assert.ok(app && gatewayUrl, output());
    const page = await fetch(`${app}/users/usr_1`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), new RegExp(`<meta name="pinstack-graphql-url" content="${gatewayUrl}"`));
    child.kill('SIGKILL');
    assert.deepEqual((await survivors(tree)).map((info) => info.command), []);
  });

  it('without NATS_URL the processes share the launcher’s event bus: a follow through the gateway makes one notification for the followed user', { skip: notLinux, timeout: 120_000 }, async () => {
    const { child, tree, graphqlUrl, output } = await launch(process.execPath, ['scripts/start.mjs']);
    started.push(...tree);
    try {
      assert.match(output(), /events: an in-process bus held by this launcher \(NATS_URL is unset\)/);
      const register = async (username: string) => {
        const response = await graphql<{ register: { accessToken: string; user: { id: string } } }>(
          graphqlUrl,
          'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
          { variables: { input: { username, email: `${username}@example.com`, password: 'a long enough password', displayName: username } } },
        );
        assert.deepEqual(response.errors, undefined);
        return response.data!.register;
      };
      const followed = await register('followed');
      const follower = await register('follower');
      const later = await register('later_follower');
      const follow = async (token: string) => {
        const response = await graphql(graphqlUrl, 'mutation($id: ID!) { follow(userId: $id) { id } }', { token, variables: { id: followed.user.id } });
        assert.deepEqual(response.errors, undefined);
      };
      type Notifications = { notifications: { edges: { node: { kind: string; actor: { id: string } | null } }[] } };
      const notifications = async () => {
        const response = await graphql<Notifications>(graphqlUrl, '{ notifications(first: 10) { edges { node { kind actor { id } } } } }', { token: followed.accessToken });
        assert.deepEqual(response.errors, undefined);
        return response.data!.notifications.edges.map(({ node }) => ({ kind: node.kind, actor: node.actor?.id }));
      };

      await follow(follower.accessToken);
      // A second follow's notification comes after the first's on the same consumer: a duplicate of the first would be there by then.
      await eventually('the first notification', async () => ((await notifications()).length > 0 ? true : undefined), 30_000);
      await follow(later.accessToken);
      const seen = await eventually('the second notification', async () => {
        const list = await notifications();
        return list.some((entry) => entry.actor === later.user.id) ? list : undefined;
      }, 30_000);
      assert.deepEqual(seen, [
        { kind: 'FOLLOW', actor: later.user.id },
        { kind: 'FOLLOW', actor: follower.user.id },
      ]);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('SIGTERM to the npm process of `npm start`: npm, its shell, the launcher and its children all end', { skip: notLinux, timeout: 120_000 }, async () => {
    // The npm that runs this suite, else the one on the PATH.
    const npm = process.env.npm_execpath && existsSync(process.env.npm_execpath) ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const { child, tree } = await launch(npm[0]!, [...npm.slice(1), 'start']);
    started.push(...tree);
    assert.ok(tree.some((info) => info.command.includes(join('scripts', 'start.mjs'))), 'npm runs the launcher');
    child.kill('SIGTERM');
    assert.deepEqual((await survivors(tree)).map((info) => info.command), []);
  });
});
