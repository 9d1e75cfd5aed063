import type { Server, ServerOptions } from 'node:http';
import type { OverloadSettings } from '../config/index.js';

/** How often Node's HTTP server looks for requests past their headers or request timeout. */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** The timeouts of both listeners. */
export function serverOptions(overload: OverloadSettings): ServerOptions {
  return {
    // Slow clients (a body sent a byte at a time) would each hold a connection and a place in flight.
    headersTimeout: overload.headersTimeoutMs,
    requestTimeout: overload.requestTimeoutMs,
    keepAliveTimeout: overload.keepAliveTimeoutMs,
    // Node checks those two timeouts only this often (30 s by default), so a slow request would live that much longer.
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
  };
}

/** Listens on `host:port`; a failure names the settings that chose them (`settings`). */
export function listen(server: Server, port: number, host: string, settings: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`cannot listen on ${host}:${port} (${settings}): ${error.message}`, { cause: error })));
    server.listen(port, host, () => resolve());
  });
}

/** `http://host:port` as a client on this machine dials it: an unspecified IPv4 address means loopback. */
export function baseUrl(host: string, port: number): string {
  const dial = host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${dial.includes(':') ? `[${dial}]` : dial}:${port}`;
}

/** Closes `server`, its idle and busy connections alike; resolves at once when it is not listening. */
export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
