import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';

// A few kB each: bounded so that titles made of user text cannot grow it without end.
const MAX_ENTRIES = 500;
const cache = new Map<string, HtmlEscapedString>();

/**
 * The markup of a pure, synchronous fragment, rendered the first time its key is seen and reused
 * afterwards. Meant for page furniture that is the same on every request of a kind (the sidebar of
 * a role, the chat popup of a user): the key must name every input the fragment reads.
 */
export function renderedOnce(key: string, render: () => Child): HtmlEscapedString {
  let html = cache.get(key);
  if (html === undefined) {
    const out = render();
    const text = out === null || out === undefined || typeof out === 'boolean' ? '' : out.toString();
    if (typeof text !== 'string') throw new Error(`renderedOnce(${key}): the fragment must render synchronously`);
    html = raw(text);
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(key, html);
  }
  return html;
}
