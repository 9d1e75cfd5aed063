/**
 * How much a secret resists guessing, estimated from the text itself: its
 * length times the Shannon entropy of its own characters. The estimate is
 * crude (it cannot see that a phrase is common), but it tells a random secret
 * from `aaaa…` or `abab…`, which pass any length rule.
 */
export function estimatedBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const character of secret) counts.set(character, (counts.get(character) ?? 0) + 1);
  const length = [...secret].length;
  let bitsPerCharacter = 0;
  for (const count of counts.values()) {
    const share = count / length;
    bitsPerCharacter -= share * Math.log2(share);
  }
  return bitsPerCharacter * length;
}

/** The least estimated strength production accepts; 32 random hex digits come to about 110. */
export const MIN_SECRET_BITS = 100;

/** Why `secret` (the setting `name`) is too weak for production, or undefined. */
export function weakSecretProblem(name: string, secret: string): string | undefined {
  if (estimatedBits(secret) >= MIN_SECRET_BITS) return undefined;
  return `${name} is too easy to guess for production (about ${Math.round(estimatedBits(secret))} bits, at least ${MIN_SECRET_BITS} needed); generate one with \`openssl rand -base64 48\`.`;
}
