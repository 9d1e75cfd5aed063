import { ResponseTooLargeError } from '../errors.js';

/**
 * Apollo Server's `stringifyResult` with a cap: an answer whose JSON is over
 * `maxBytes` is replaced by `{ data: null, errors: [RESPONSE_TOO_LARGE] }`
 * (without `data` when the request never ran), so no client is sent more than
 * the cap. The execution budget keeps answers from growing far; this bounds
 * what is left, such as long texts or very many errors.
 */
export function cappedStringify(maxBytes: number, onTooLarge: () => void = () => {}): (value: unknown) => string {
  const tooLarge = new ResponseTooLargeError(maxBytes);
  const errors = [{ message: tooLarge.message, extensions: { code: tooLarge.code, limit: 'responseBytes', max: maxBytes } }];
  const ranRefusal = `${JSON.stringify({ data: null, errors })}\n`;
  const requestRefusal = `${JSON.stringify({ errors })}\n`;
  return (value) => {
    const json = JSON.stringify(value);
    // A string's length never exceeds its UTF-8 size, which is at most three
    // times its length: most answers are decided without measuring.
    if (json.length * 3 <= maxBytes) return `${json}\n`;
    if (json.length > maxBytes || Buffer.byteLength(json) > maxBytes) {
      onTooLarge();
      // A request refused before it ran has no `data`, and must not seem to have run.
      return (value as { data?: unknown } | null)?.data !== undefined ? ranRefusal : requestRefusal;
    }
    return `${json}\n`;
  };
}
