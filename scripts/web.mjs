/**
 * The web client (web/): its build, and the small server that serves the
 * built app on an origin of its own. Used by `npm start` (scripts/start.mjs)
 * and the browser test (test/e2e/spa.test.ts).
 *
 * ```js
 * buildWebIfNeeded();
 * const web = await startWebServer({ host: '127.0.0.1', port: 5173, graphqlUrl: 'http://127.0.0.1:4000/graphql' });
 * // … open web.url …
 * await web.close();
 * ```
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import helmet from 'helmet';
import { ROOT, StackError } from './stack.mjs';

export const WEB_ROOT = join(ROOT, 'web');
export const WEB_DIST = join(WEB_ROOT, 'dist');
const WEB_INDEX = join(WEB_DIST, 'index.html');
/** What the web build reads besides web/ itself: the typed operations. */
const WEB_INPUTS = [WEB_ROOT, join(ROOT, 'generated', 'web')];
/** Where the built app writes the gateway's address for the client to read (`web/src/config.ts`). */
const GRAPHQL_URL_META = /<meta name="pinstack-graphql-url" content="[^"]*"/;

/** Whether web/dist/ is missing or older than any file of web/ (its own output aside) or generated/web/. */
export function webNeedsBuild() {
  if (!existsSync(WEB_INDEX)) return true;
  const builtAt = statSync(WEB_INDEX).mtimeMs;
  const newer = (path) => {
    if (path === WEB_DIST || path.endsWith('node_modules')) return false;
    const stats = statSync(path);
    if (stats.mtimeMs > builtAt) return true;
    return stats.isDirectory() && readdirSync(path).some((entry) => newer(join(path, entry)));
  };
  return WEB_INPUTS.filter((path) => existsSync(path)).some(newer);
}

/**
 * Builds the web client (`vite build web`) when web/dist/ is stale, showing
 * Vite's output on `outputFd` (1 = stdout, 2 = stderr). Returns whether it
 * built; throws a `StackError` when the build fails.
 */
export function buildWebIfNeeded({ outputFd = 1 } = {}) {
  if (!webNeedsBuild()) return false;
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) throw new StackError('Vite is not installed: run `npm install` first.');
  (outputFd === 2 ? process.stderr : process.stdout).write('Building the web client: vite build web\n');
  const result = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', outputFd, outputFd] });
  if (result.status !== 0) throw new StackError(`The web client's build failed (vite exited with ${result.status ?? result.signal}); see the errors above.`);
  return true;
}

/** `"` and `&` escaped for an HTML attribute value. */
const attribute = (text) => text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

/**
 * Serves the built web client from web/dist/ on `host:port`: its files, and
 * index.html for every other path (the client routes itself), with the
 * gateway's address written into it, so one build runs against any gateway.
 * A Content-Security-Policy lets the page load its own code and styles and
 * talk to that gateway alone, over HTTP and WebSocket. Resolves once listening (port 0 picks a free
 * one); `close()` stops it.
 *
 * @param {{ host?: string, port?: number, graphqlUrl: string }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startWebServer({ host = '127.0.0.1', port = 5173, graphqlUrl }) {
  if (!existsSync(WEB_INDEX)) throw new StackError('The web client is not built: web/dist/index.html is missing (run `npm run web:build`).');
  const index = readFileSync(WEB_INDEX, 'utf8').replace(GRAPHQL_URL_META, `<meta name="pinstack-graphql-url" content="${attribute(graphqlUrl)}"`);
  const app = express();
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          // The gateway over HTTP, and its WebSocket for subscriptions (named apart: CSP matches ws: to http: only in newer browsers).
          connectSrc: ["'self'", new URL(graphqlUrl).origin, new URL(graphqlUrl).origin.replace(/^http/, 'ws')],
          // Pins and avatars are images from anywhere on the web.
          imgSrc: ["'self'", 'https:', 'data:'],
          // React writes `style` attributes (a pin's colour).
          styleSrc: ["'self'", "'unsafe-inline'"],
        },
      },
    }),
  );
  // Hashed file names never change content: cache them for good; index.html not at all.
  app.use('/assets', express.static(join(WEB_DIST, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }));
  app.use(express.static(WEB_DIST, { index: false }));
  app.get('/{*path}', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(index);
  });
  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, host, (error) => (error ? reject(error) : resolve(listening)));
  }).catch((error) => {
    const reason = error.code === 'EADDRINUSE' ? `port ${port} is already in use. Set WEB_PORT to choose another.` : error.message;
    throw new StackError(`The web client's server cannot listen on ${host}:${port}: ${reason}`);
  });
  const address = server.address();
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
