import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SigningKeys } from './signing-keys.js';

/** Where the JWKS is served, as OpenID Connect discovery places it. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** A running JWKS endpoint. */
export interface JwksServer {
  /** The URL verifiers fetch (`JWKS_URL` of the gateway). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the public half of `keys` over plain HTTP at `JWKS_PATH`. It reads
 * the keys on every request, so a rotation is visible at once. Public keys
 * are no secret; what matters is that verifiers fetch them from a host they
 * trust (in production, over TLS through the ingress).
 */
export async function startJwksServer(keys: SigningKeys, address: string): Promise<JwksServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== JWKS_PATH) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    // Short enough that a retired key stops verifying within minutes at a cache that honours it.
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300' });
    res.end(JSON.stringify(keys.jwks()));
  });
  const split = address.lastIndexOf(':');
  const host = address.slice(0, split);
  const port = Number(address.slice(split + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const dialHost = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host;
  return {
    url: `http://${dialHost}:${bound}${JWKS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
