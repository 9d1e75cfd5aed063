/**
 * Runs the whole Pinstack stack on this machine, each part as its own child
 * process: the six reference services (`dist/services/<name>/main.js`) and the
 * gateway (`dist/src/main.js`). Used by `npm start` (scripts/start.mjs) and
 * `npm run bench` (bench/run.ts).
 *
 * ```js
 * buildIfNeeded();
 * const stack = new LocalStack({ services: await loadServices(), gateway: { host: '127.0.0.1', port: 4000, adminPort: 9464 } });
 * await stack.start();
 * // … stack.urls.graphql, stack.urls.metrics …
 * await stack.stop();
 * ```
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_INFO = join(ROOT, 'dist', '.tsbuildinfo');
/** What the build reads: a change to any of these makes `dist/` stale. */
const BUILD_INPUTS = ['platform', 'src', 'resolvers', 'services', 'generated', 'bench/baselines', 'tsconfig.json', 'tsconfig.build.json'];
const GATEWAY_ENTRY = 'dist/src/main.js';
const GATEWAY_INSTRUMENTATION = 'dist/src/instrumentation.js';
const SERVICE_INSTRUMENTATION = 'dist/services/common/instrumentation.js';
/** Preloaded into every child: it stops when the launcher is gone, however the launcher ended. */
const EXIT_WITH_LAUNCHER = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'exit-with-launcher.mjs')).href;
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
/** Lines of each child's output kept to explain a failure. */
const TAIL_LINES = 30;
/** Where the auth service serves its JWKS when JWKS_LISTEN_ADDR is unset (`DEFAULT_JWKS_LISTEN_ADDR` of services/auth/setup.ts). */
const DEFAULT_JWKS_LISTEN_ADDR = '127.0.0.1:50057';
/** The gateway's V8 old-space limit when GATEWAY_MAX_HEAP_MB is unset: the same as the Dockerfile's. */
const DEFAULT_GATEWAY_MAX_HEAP_MB = 1024;
/** The gateway's V8 young-generation semi-space, in MB: the same as the Dockerfile's (V8's default is 16). */
const GATEWAY_SEMI_SPACE_MB = 32;

/** A failure the user can act on; its message is meant to be printed as is. */
export class StackError extends Error {
  /**
   * @param {string} message
   * @param {string[]} [tail] the last output lines of the child concerned
   */
  constructor(message, tail = []) {
    super(message);
    this.name = 'StackError';
    this.tail = tail;
  }
}

/** Whether `dist/` is missing or older than any file the build reads. */
export function needsBuild() {
  if (!existsSync(BUILD_INFO)) return true;
  const builtAt = statSync(BUILD_INFO).mtimeMs;
  // A directory's own time changes when a file in it is added, renamed or deleted.
  const newer = (path) => {
    const stats = statSync(path);
    if (stats.mtimeMs > builtAt) return true;
    return stats.isDirectory() && readdirSync(path).some((entry) => newer(join(path, entry)));
  };
  return BUILD_INPUTS.map((input) => join(ROOT, input)).filter((path) => existsSync(path)).some(newer);
}

/**
 * Runs the TypeScript build (`tsc -p tsconfig.build.json`) when `dist/` is
 * stale, showing its output on `outputFd` (1 = stdout, 2 = stderr).
 * Returns whether it built; throws a `StackError` when the build fails.
 */
export function buildIfNeeded({ outputFd = 1 } = {}) {
  if (!needsBuild()) return false;
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new StackError('TypeScript is not installed: run `npm install` first.');
  const write = (text) => (outputFd === 2 ? process.stderr : process.stdout).write(text);
  write('Building: tsc -p tsconfig.build.json\n');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', outputFd, outputFd] });
  if (result.status !== 0) {
    // tsc writes its build info (and the JavaScript) even when types fail; age
    // the build info so that the next start builds again instead of running it.
    if (existsSync(BUILD_INFO)) utimesSync(BUILD_INFO, 0, 0);
    throw new StackError(`The build failed (tsc exited with ${result.status ?? result.signal}); see the errors above.`);
  }
  // An incremental build with nothing to do leaves the build info untouched,
  // which would make every later start build again.
  const now = new Date();
  utimesSync(BUILD_INFO, now, now);
  return true;
}

/**
 * The reference services, read from the build (`platform/addresses.ts`),
 * each with the address it listens on: its variable in `env`, or its default.
 * @returns {Promise<Array<{ name: string, envVar: string, address: string }>>}
 */
export async function loadServices(env = process.env) {
  const { SERVICES, SERVICE_NAMES, serviceAddress } = await importBuilt('platform/addresses.js');
  return SERVICE_NAMES.map((name) => ({ name, envVar: SERVICES[name].env, address: serviceAddress(name, env) }));
}

/** The demo sign-in that the services seed with `env`, or null when they seed none. */
export async function loadDemoLogin(env = process.env) {
  const { seedConfigFromEnv, seededUserId } = await importBuilt('services/common/seed/config.js');
  const seed = seedConfigFromEnv(env);
  if (seed.demoAccounts === 0) return null;
  const email = (n) => `user${n}@example.com`;
  return { firstEmail: email(1), lastEmail: email(seed.demoAccounts), password: seed.demoPassword, firstUserId: seededUserId(1) };
}

async function importBuilt(path) {
  const file = join(ROOT, 'dist', path);
  if (!existsSync(file)) throw new StackError(`${relative(ROOT, file)} is missing: the build did not produce it.`);
  return import(pathToFileURL(file).href);
}

/** A port that nothing listens on right now, for stacks that must not collide with others. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Splits `host:port` (or `[v6]:port`); `envVar` names the setting in the error. */
export function parseAddress(address, envVar = 'the address') {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new StackError(`${envVar} must be host:port with a port from 1 to 65535, got ${JSON.stringify(address)}.`);
  }
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

/** Where a client on this machine reaches a socket bound to `host`. */
function dialHost(host) {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function hostForUrl(host) {
  const dial = dialHost(host);
  return dial.includes(':') ? `[${dial}]` : dial;
}

/**
 * The services and the gateway as child processes. `start()` brings them up in
 * order and resolves once all are ready; `failed` resolves when one exits
 * without being asked to; `stop()` stops them all.
 */
export class LocalStack {
  /**
   * @param {object} options
   * @param {Array<{ name: string, envVar: string, address: string, metricsAddress?: string }>} options.services from
   *   `loadServices()`; a service with a `metricsAddress` serves its `/metrics` there (its METRICS_ADDR)
   * @param {{ host: string, port: number, adminHost?: string, adminPort: number }} options.gateway where the gateway
   *   listens: GraphQL on `host:port`, `/healthz`, `/readyz` and `/metrics` on `adminHost:adminPort` (loopback by default)
   * @param {NodeJS.ProcessEnv} [options.env] environment of every child (default: this process's)
   * @param {(name: string, line: string) => void} [options.onLine] each line a child writes, and what the event bus
   *   this process holds for them reports (as `events`) (default: dropped)
   */
  constructor({ services, gateway, env = process.env, onLine = () => {} }) {
    this.services = services;
    this.gateway = { adminHost: '127.0.0.1', ...gateway };
    this.onLine = onLine;
    const base = `http://${hostForUrl(this.gateway.host)}:${this.gateway.port}`;
    // The operational endpoints are not on the GraphQL port: they have a listener of their own.
    const admin = `http://${hostForUrl(this.gateway.adminHost)}:${this.gateway.adminPort}`;
    this.urls = { base, graphql: `${base}/graphql`, admin, healthz: `${admin}/healthz`, readyz: `${admin}/readyz`, metrics: `${admin}/metrics` };
    this.env = {
      ...env,
      HOST: this.gateway.host,
      PORT: String(this.gateway.port),
      ADMIN_HOST: this.gateway.adminHost,
      ADMIN_PORT: String(this.gateway.adminPort),
    };
    // Each service listens on its own variable; a LISTEN_ADDR meant for one
    // container would make them all take the same address.
    delete this.env.LISTEN_ADDR;
    // Signing with a key pair, the auth service publishes the public keys; the
    // gateway must check tokens against them (it refuses to start otherwise).
    const algorithm = this.env.JWT_ALG?.trim();
    if ((algorithm === 'ES256' || algorithm === 'RS256') && !this.env.JWKS_URL?.trim()) {
      const { host, port } = parseAddress(this.env.JWKS_LISTEN_ADDR?.trim() || DEFAULT_JWKS_LISTEN_ADDR, 'JWKS_LISTEN_ADDR');
      this.env.JWKS_URL = `http://${hostForUrl(host)}:${port}/.well-known/jwks.json`;
    }
    for (const service of services) this.env[service.envVar] = service.address;
    // Without NATS_URL the children share an in-process bus that this process
    // holds (platform/events/ipc-hub.ts), each reaching it over its IPC
    // channel; each child running a bus of its own would never see the others' events.
    /** `launcher` when this process holds the children's event bus, `nats` when they use NATS_URL. */
    this.eventBus = this.env.NATS_URL?.trim() ? 'nats' : 'launcher';
    if (this.eventBus === 'launcher') this.env.EVENTS_BUS = 'launcher';
    else delete this.env.EVENTS_BUS;
    /** The bus held for the children, made by `start()` from the build. */
    this.hub = null;
    /** @type {Map<string, { process: import('node:child_process').ChildProcess, tail: string[], exited: Promise<void> }>} */
    this.children = new Map();
    /** The gateway's own Node flags, read from GATEWAY_MAX_HEAP_MB by `start()` so that a bad value fails before anything runs. */
    this.gatewayNodeOptions = [];
    this.stopping = false;
    /** @type {Promise<{ name: string, code: number | null, signal: string | null, tail: string[] }>} */
    this.failed = new Promise((resolve) => (this.reportFailure = resolve));
    // Children run in their own process group, so that Ctrl-C reaches this
    // process alone and it can stop them in order. Should it crash, take them
    // along; should it be killed outright, each child sees its IPC channel
    // close and stops itself (scripts/exit-with-launcher.mjs).
    process.once('exit', () => {
      for (const child of this.children.values()) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    });
  }

  /**
   * Checks every port is free, starts the services and waits until each
   * accepts TCP connections, then starts the gateway and waits for `/healthz`
   * on its operational listener.
   * `onReady(name, where)` is called as each comes up. Throws a `StackError`
   * (having stopped whatever it started) when something does not come up.
   */
  async start({ onReady = () => {} } = {}) {
    try {
      this.gatewayNodeOptions = [
        `--max-old-space-size=${gatewayMaxHeapMb(this.env)}`,
        // As in the Dockerfile: a young generation large enough for a request's short-lived garbage.
        `--max-semi-space-size=${GATEWAY_SEMI_SPACE_MB}`,
        // Node refuses --cpu-prof in NODE_OPTIONS: GATEWAY_NODE_FLAGS reaches the gateway alone (`--cpu-prof --cpu-prof-dir=prof`).
        ...(this.env.GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
      ];
      const checks = await Promise.allSettled([
        ...this.services.map((service) => ensurePortFree(service.address, service.name, service.envVar)),
        ensurePortFree(`${this.gateway.host}:${this.gateway.port}`, 'the gateway', 'PORT'),
        ensurePortFree(`${this.gateway.adminHost}:${this.gateway.adminPort}`, 'the gateway’s operational listener', 'ADMIN_PORT'),
      ]);
      const conflicts = checks.filter((check) => check.status === 'rejected').map((check) => check.reason.message);
      if (conflicts.length > 0) throw new StackError(conflicts.join('\n  '));
      const missing = this.services.map((service) => `dist/services/${service.name}/main.js`).filter((file) => !existsSync(join(ROOT, file)));
      if (missing.length > 0) throw new StackError(`Not built: ${missing.join(', ')}.`);
      if (this.eventBus === 'launcher' && !this.hub) {
        const { EventBusHub } = await importBuilt('platform/events/ipc-hub.js');
        const log = (level) => (fields, message) => this.onLine('events', `${level} ${message} ${JSON.stringify(fields, errorFields)}`);
        this.hub = new EventBusHub({ namespace: this.env.EVENTS_NAMESPACE?.trim() || undefined, logger: { info: log('INFO'), warn: log('WARN'), error: log('ERROR') } });
      }

      await Promise.all(
        this.services.map(async (service) => {
          this.spawn(service.name, `dist/services/${service.name}/main.js`);
          const { host, port } = parseAddress(service.address);
          await this.waitFor(service.name, () => canConnect(dialHost(host), port), `accept connections on ${service.address}`);
          onReady(service.name, service.address);
        }),
      );

      if (!existsSync(join(ROOT, GATEWAY_ENTRY))) {
        throw new StackError(`The gateway is not built: ${GATEWAY_ENTRY} is missing (does src/main.ts exist?). The services started fine.`);
      }
      this.spawn('gateway', GATEWAY_ENTRY);
      await this.waitFor('gateway', () => isHealthy(this.urls.healthz), `answer ${this.urls.healthz} with 200`);
      onReady('gateway', this.urls.base);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** The process id of child `name` (`gateway`, or a service's name) while it runs; undefined otherwise. */
  pid(name) {
    const child = this.children.get(name);
    return child && child.process.exitCode === null && child.process.signalCode === null ? child.process.pid : undefined;
  }

  /**
   * Sends SIGTERM to the gateway, then to the services (so that the gateway
   * drains while its upstreams still answer), each killed if it has not
   * exited within `graceMs`.
   */
  async stop(graceMs = STOP_GRACE_MS) {
    this.stopping = true;
    const stopOne = async (name) => {
      const child = this.children.get(name);
      if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
      child.process.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.onLine(name, `still running ${graceMs / 1000} s after SIGTERM: killing it`);
        child.process.kill('SIGKILL');
      }, graceMs);
      await child.exited;
      clearTimeout(timer);
    };
    await stopOne('gateway');
    await Promise.all(this.services.map((service) => stopOne(service.name)));
  }

  spawn(name, entry) {
    // Tracing is loaded before the process's own modules, as in the Dockerfile;
    // OTEL_SDK_DISABLED=true turns it off.
    const instrumentation = name === 'gateway' ? GATEWAY_INSTRUMENTATION : SERVICE_INSTRUMENTATION;
    // A known heap limit for the gateway alone: its load shedder measures heap use against it.
    const nodeOptions = name === 'gateway' ? this.gatewayNodeOptions : [];
    // Each service's metrics on a port of its own, when it has one.
    const metricsAddress = this.services.find((service) => service.name === name)?.metricsAddress;
    const child = spawn(process.execPath, [...nodeOptions, '--import', EXIT_WITH_LAUNCHER, '--import', `./${instrumentation}`, entry], {
      cwd: ROOT,
      env: metricsAddress ? { ...this.env, METRICS_ADDR: metricsAddress } : this.env,
      // The IPC channel's closing tells the child that this process is gone; it carries the events without NATS_URL.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    // Nor does it keep this process alive.
    child.channel?.unref();
    // Without NATS_URL the channel carries the events of the stack (and closes with the child).
    this.hub?.serveChild(child);
    const tail = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        this.onLine(name, line);
      });
    }
    const exited = new Promise((resolve) => child.once('close', resolve));
    child.once('error', (error) => {
      tail.push(String(error));
    });
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.reportFailure({ name, code, signal, tail });
    });
    this.children.set(name, { process: child, tail, exited });
  }

  async waitFor(name, ready, what) {
    const child = this.children.get(name);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) {
        const how = child.process.signalCode ?? `code ${child.process.exitCode}`;
        throw new StackError(this.stopping ? 'Stopped while starting.' : `${name} exited (${how}) while starting.`, child.tail);
      }
      if (await ready()) return;
      if (Date.now() > deadline) throw new StackError(`${name} did not ${what} within ${START_TIMEOUT_MS / 1000} s.`, child.tail);
      await delay(100);
    }
  }
}

/** For JSON.stringify: an error as its message and code, which JSON would otherwise drop. */
function errorFields(_key, value) {
  return value instanceof Error ? { message: value.message, code: value.code } : value;
}

/**
 * GATEWAY_MAX_HEAP_MB from `env`, the gateway's `--max-old-space-size`; throws
 * a `StackError` when it is not a whole number of megabytes from 64 up.
 */
function gatewayMaxHeapMb(env) {
  const raw = env.GATEWAY_MAX_HEAP_MB?.trim();
  if (!raw) return DEFAULT_GATEWAY_MAX_HEAP_MB;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 64) {
    throw new StackError(`GATEWAY_MAX_HEAP_MB must be a whole number of megabytes, 64 or more, got ${JSON.stringify(raw)}.`);
  }
  return value;
}

/**
 * Rejects with a message naming `who` and the variable that moves it when
 * `address` cannot be listened on, most often because something already does.
 */
async function ensurePortFree(address, who, envVar) {
  const { host, port } = parseAddress(address, envVar);
  await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? `port ${port} is already in use (is the stack already running?). Set ${envVar} to choose another.`
          : `${error.message}. Check ${envVar}.`;
      reject(new StackError(`${who} cannot listen on ${address}: ${reason}`));
    });
    server.listen({ host, port }, () => server.close(() => resolve()));
  });
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function isHealthy(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
