import { type Checked } from './checked.js';
import { DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH } from './limits.js';
import { personText } from './person-text.js';
import { httpUrl } from './url.js';

/** A post's title: 1 to 200 characters on one line, something visible among them. */
export function title(raw: string): Checked<string> {
  return personText('title', raw, { max: TITLE_MAX_LENGTH });
}

/** A post's description: up to 5,000 characters over several lines, or none. */
export function description(raw: string): Checked<string> {
  return personText('description', raw, { max: DESCRIPTION_MAX_LENGTH, optional: true, multiline: true });
}

/** A post's image: an http(s) URL, required. */
export function imageUrl(raw: string): Checked<string> {
  return httpUrl('imageUrl', raw);
}
