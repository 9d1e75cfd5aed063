import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

/** Asymmetric algorithms the auth service signs with when it publishes a JWKS. */
export type KeyPairAlgorithm = 'ES256' | 'RS256';

/** One signing key: the private half signs, the public half is published under `kid`. */
export interface SigningKey {
  kid: string;
  alg: KeyPairAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Members of a private JWK that must never be published. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * The auth service's signing keys. The first signs new tokens; every key is
 * published in the JWKS, so tokens signed before a rotation keep verifying
 * until their key is retired. Rotation needs no gateway restart: a token with
 * an unknown `kid` makes the gateway fetch the JWKS again.
 */
export class SigningKeys {
  #keys: SigningKey[];

  private constructor(keys: SigningKey[]) {
    if (keys.length === 0) throw new Error('at least one signing key is needed');
    this.#keys = keys;
  }

  /** A fresh key pair; generated keys live as long as the process. */
  static async generate(alg: KeyPairAlgorithm): Promise<SigningKeys> {
    return new SigningKeys([await generateKey(alg)]);
  }

  /**
   * Keys from `JWT_PRIVATE_JWKS`: a JSON JWK set of private keys, each with
   * `kid`; the first signs. To rotate, put the new key first, keep the old one
   * until the tokens it signed have expired, then remove it.
   */
  static async fromJwks(json: string, alg: KeyPairAlgorithm): Promise<SigningKeys> {
    let parsed: { keys?: JWK[] };
    try {
      parsed = JSON.parse(json) as { keys?: JWK[] };
    } catch {
      throw new Error('JWT_PRIVATE_JWKS must be a JSON JWK set ({"keys": [...]})');
    }
    const keys = await Promise.all(
      (parsed.keys ?? []).map(async (jwk, at): Promise<SigningKey> => {
        if (!jwk.kid) throw new Error(`JWT_PRIVATE_JWKS key ${at} has no kid`);
        if (jwk.alg && jwk.alg !== alg) throw new Error(`JWT_PRIVATE_JWKS key ${jwk.kid} is ${jwk.alg}, not ${alg} as JWT_ALG says`);
        if (!jwk.d) throw new Error(`JWT_PRIVATE_JWKS key ${jwk.kid} is not a private key`);
        const privateKey = (await importJWK(jwk, alg)) as CryptoKey;
        return { kid: jwk.kid, alg, privateKey, publicJwk: publicHalf(jwk, alg) };
      }),
    );
    return new SigningKeys(keys);
  }

  /** The key that signs new tokens. */
  get current(): SigningKey {
    return this.#keys[0]!;
  }

  /** Every published key id, the signing one first. */
  get kids(): string[] {
    return this.#keys.map((key) => key.kid);
  }

  /** Generates a new key and signs with it from now on; the previous keys stay published. */
  async rotate(): Promise<SigningKey> {
    const key = await generateKey(this.current.alg);
    this.#keys = [key, ...this.#keys];
    return key;
  }

  /**
   * Stops publishing `kid`, so tokens it signed stop verifying once verifiers
   * refresh their copy of the JWKS. The signing key cannot be retired.
   */
  retire(kid: string): boolean {
    if (kid === this.current.kid) throw new Error('the signing key cannot be retired; rotate first');
    const before = this.#keys.length;
    this.#keys = this.#keys.filter((key) => key.kid !== kid);
    return this.#keys.length < before;
  }

  /** The public JWK set, as published. */
  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((key) => ({ ...key.publicJwk })) };
  }
}

async function generateKey(alg: KeyPairAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function publicHalf(jwk: JWK, alg: KeyPairAlgorithm): JWK {
  const copy: Record<string, unknown> = { ...jwk, alg, use: 'sig' };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  delete copy.key_ops;
  return copy as JWK;
}
