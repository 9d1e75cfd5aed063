#!/usr/bin/env node
/**
 * `npm start`: runs the whole stack on this machine.
 *
 * 1. Builds (`tsc -p tsconfig.build.json`) when `dist/` is missing or older
 *    than src/, resolvers/, services/ or generated/.
 * 2. Starts the six reference services, each its own process, on the addresses
 *    in USERS_SERVICE_ADDR … RECOMMENDATIONS_SERVICE_ADDR (defaults
 *    127.0.0.1:50051 … 50056), and waits until each accepts connections.
 * 3. Starts the gateway on HOST:PORT (default 127.0.0.1:4000), with `/healthz`,
 *    `/readyz` and `/metrics` on ADMIN_HOST:ADMIN_PORT (default 127.0.0.1:9464),
 *    and waits until `/healthz` answers.
 * 4. Serves the web client (web/, built with Vite when web/dist/ is missing
 *    or older than its sources) on WEB_HOST:WEB_PORT (default
 *    127.0.0.1:5173), an origin of its own that calls the gateway, then prints
 *    where everything listens.
 *
 * Without NATS_URL, this process holds the stack's domain event bus, in
 * memory, and the children reach it over their IPC channels (EVENTS_BUS=launcher).
 *
 * Every line a child logs is shown prefixed with its name. Ctrl-C, SIGTERM or
 * SIGHUP stops the gateway, then the services, and exits 0; so does the end of
 * the process that started this one (`npm start` runs it under `sh -c`, which
 * dies on SIGTERM without passing it on). If any child dies on its own, the
 * rest are stopped and this exits 1. Should this process be killed outright
 * (SIGKILL), every child stops itself (scripts/exit-with-launcher.mjs).
 */
import { LocalStack, StackError, buildIfNeeded, loadDemoLogin, loadServices } from './stack.mjs';
import { buildWebIfNeeded, startWebServer } from './web.mjs';

/** How often the launcher checks that the process that started it is still there. */
const PARENT_CHECK_MS = 250;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const red = paint('31');
const NAME_COLORS = ['36', '35', '33', '32', '34', '96', '95'];

/** pino's numeric levels. */
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Shortens a pino JSON line to `LEVEL message {other fields}`; anything else is kept as is. */
function formatLogLine(line) {
  if (!line.startsWith('{')) return line;
  try {
    const record = JSON.parse(line);
    const { level, msg } = record;
    // The prefix already names the process; the terminal needs no timestamps.
    for (const key of ['level', 'msg', 'time', 'pid', 'hostname', 'name', 'service']) delete record[key];
    const label = LEVELS[level] ?? String(level);
    const extra = Object.keys(record).length > 0 ? ` ${dim(JSON.stringify(record))}` : '';
    return `${level >= 50 ? red(label) : level >= 40 ? paint('33')(label) : dim(label)} ${msg ?? ''}${extra}`;
  } catch {
    return line;
  }
}

/** Prints why the stack cannot run (a `StackError` says it plainly; anything else keeps its stack) and exits 1. */
function fail(error) {
  const message = error instanceof StackError ? error.message : (error?.stack ?? String(error));
  console.error(red(`✖ ${message}`));
  process.exit(1);
}

let services;
try {
  buildIfNeeded();
  buildWebIfNeeded();
  services = await loadServices();
} catch (error) {
  fail(error);
}
const gateway = {
  host: process.env.HOST?.trim() || '127.0.0.1',
  port: Number(process.env.PORT || 4000),
  adminHost: process.env.ADMIN_HOST?.trim() || '127.0.0.1',
  adminPort: Number(process.env.ADMIN_PORT || 9464),
};
const webAddress = { host: process.env.WEB_HOST?.trim() || '127.0.0.1', port: Number(process.env.WEB_PORT || 5173) };
for (const [variable, port] of [['PORT', gateway.port], ['ADMIN_PORT', gateway.adminPort], ['WEB_PORT', webAddress.port]]) {
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) fail(new StackError(`${variable} must be a port number, got ${JSON.stringify(process.env[variable])}.`));
}
if (gateway.port === gateway.adminPort) fail(new StackError(`ADMIN_PORT must differ from PORT (both are ${gateway.port}).`));
if (webAddress.port === gateway.port || webAddress.port === gateway.adminPort) fail(new StackError(`WEB_PORT must differ from PORT and ADMIN_PORT (${webAddress.port}).`));

const width = Math.max(...services.map((service) => service.name.length), 'gateway'.length);
const prefixes = new Map(
  [...services.map((service) => service.name), 'gateway', 'events'].map((name, i) => [name, paint(NAME_COLORS[i % NAME_COLORS.length])(name.padEnd(width))]),
);
const stack = new LocalStack({
  services,
  gateway,
  onLine: (name, line) => console.log(`${prefixes.get(name)} │ ${formatLogLine(line)}`),
});

/** The web client's server, once listening. */
let web;

if (stack.eventBus === 'launcher') {
  console.log(
    `${prefixes.get('events')} │ events: an in-process bus held by this launcher (NATS_URL is unset), shared by the services and the gateway; in memory, lost when it stops`,
  );
}

let stopping = false;
/** Stops the web client's server, the gateway, then the services, and exits 0; `why` is printed first. */
async function shutdown(why) {
  if (stopping) return;
  stopping = true;
  console.log(dim(`\n${why}: stopping the gateway, then the services…`));
  await web?.close();
  await stack.stop();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void shutdown(signal));
// A terminal that has closed must not cut the shutdown short: output that cannot be written is dropped.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
// Whoever started this process is gone (npm killed, its shell ended): this
// process is now re-parented, and nobody is left to stop the stack but it.
const parentAtStart = process.ppid;
setInterval(() => {
  if (process.ppid !== parentAtStart) void shutdown(`the process that started this one (pid ${parentAtStart}) has ended`);
}, PARENT_CHECK_MS).unref();

try {
  // First, so that a taken WEB_PORT stops the start before any process runs.
  web = await startWebServer({ ...webAddress, graphqlUrl: stack.urls.graphql });
  await stack.start();
} catch (error) {
  if (stopping) await new Promise(() => {}); // shutdown() exits once everything has stopped
  await web?.close();
  fail(error);
}

const demo = await loadDemoLogin();
const rows = [
  ...services.map((service) => [service.name, service.address, service.envVar]),
  ['gateway', stack.urls.base, 'HOST, PORT'],
  ['web client', web.url, 'WEB_HOST, WEB_PORT'],
  ['operations', stack.urls.admin, 'ADMIN_HOST, ADMIN_PORT'],
  ['events', stack.eventBus === 'launcher' ? 'in this launcher, in memory' : 'NATS JetStream', 'NATS_URL'],
];
const columns = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)));
console.log(`\n${bold('Pinstack is running')}\n`);
for (const [name, where, variable] of rows) console.log(`  ${name.padEnd(columns[0])}  ${where.padEnd(columns[1])}  ${dim(variable)}`);
console.log(`
  ${bold('App')}       ${web.url}  ${dim('(the web client; `npm run web` serves it from source with Vite instead)')}
  ${bold('GraphQL')}   ${stack.urls.graphql}
  ${bold('Health')}    ${stack.urls.healthz}  ${stack.urls.readyz}
  ${bold('Metrics')}   ${stack.urls.metrics}  ${dim('(operational listener: not on the GraphQL port)')}`);
if (demo) {
  console.log(`  ${bold('Sign in')}   ${demo.firstEmail} … ${demo.lastEmail}, password ${demo.password}
            mutation { login(input: { email: "${demo.firstEmail}", password: "${demo.password}" }) { accessToken } }`);
} else {
  console.log(`  ${bold('Sign in')}   no demo accounts (SEED=none): register one with the \`register\` mutation`);
}
console.log(dim('\nCtrl-C stops everything.\n'));

const failure = await stack.failed;
if (!stopping) {
  stopping = true;
  const how = failure.signal ? `was killed by ${failure.signal}` : `exited with code ${failure.code}`;
  console.error(red(`\n✖ ${failure.name} ${how} unexpectedly; stopping the rest.`));
  await web.close();
  await stack.stop();
  process.exit(1);
}
