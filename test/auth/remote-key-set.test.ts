import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { KeySetUnavailableError, RemoteKeySet } from '../../src/auth/remote-key-set.js';

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function key(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
}

const sign = (signer: Key) => new SignJWT({ sub: 'usr_1' }).setProtectedHeader({ alg: 'ES256', kid: signer.kid }).sign(signer.privateKey);

describe('the remote JWKS cache', () => {
  let server: Server;
  let url: string;
  let published: JWK[] = [];
  let up = true;
  let fetches = 0;
  let now = 0;
  let first: Key;
  let second: Key;

  before(async () => {
    [first, second] = await Promise.all([key('k1'), key('k2')]);
    server = createServer((_req, res) => {
      fetches++;
      if (!up) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function fresh(): RemoteKeySet {
    fetches = 0;
    now = 0;
    up = true;
    published = [first.jwk];
    return new RemoteKeySet(url, { maxAgeMs: 60_000, cooldownMs: 10_000, now: () => now });
  }

  const verify = async (keys: RemoteKeySet, signer: Key) => (await jwtVerify(await sign(signer), keys.getKey)).payload.sub;

  it('fetches once for many verifications within the max age, concurrent ones included', async () => {
    const keys = fresh();
    await Promise.all(Array.from({ length: 10 }, () => verify(keys, first)));
    now += 59_999;
    assert.equal(await verify(keys, first), 'usr_1');
    assert.equal(fetches, 1);
  });

  it('an unknown kid refetches at once after the cooldown, and a burst of them costs one fetch', async () => {
    const keys = fresh();
    await verify(keys, first);
    published = [second.jwk, first.jwk];
    now += 10_000;
    const results = await Promise.all(Array.from({ length: 5 }, () => verify(keys, second)));
    assert.deepEqual(results, Array(5).fill('usr_1'));
    assert.equal(fetches, 2);
  });

  it('made-up kids within the cooldown cause no fetch', async () => {
    const keys = fresh();
    await verify(keys, first);
    const stranger = await key('made-up');
    for (let attempt = 0; attempt < 5; attempt++) await assert.rejects(verify(keys, stranger), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    assert.equal(fetches, 1);
  });

  it('keeps the last keys while the issuer is down, retrying at most once per cooldown', async () => {
    const keys = fresh();
    await verify(keys, first);
    up = false;
    now += 60_000;
    assert.equal(await verify(keys, first), 'usr_1', 'the stale keys still verify');
    assert.equal(await verify(keys, first), 'usr_1');
    assert.equal(fetches, 2, 'one failed attempt, not one per request');
    now += 10_000;
    await verify(keys, first);
    assert.equal(fetches, 3);
  });

  it('without any keys yet, an unreachable issuer is KeySetUnavailableError, retried only after the cooldown', async () => {
    const keys = fresh();
    up = false;
    await assert.rejects(verify(keys, first), KeySetUnavailableError);
    await assert.rejects(verify(keys, first), KeySetUnavailableError);
    assert.equal(fetches, 1);
    up = true;
    now += 10_000;
    assert.equal(await verify(keys, first), 'usr_1');
  });
});
