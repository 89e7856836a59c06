/** True for the first half of a surrogate pair (an emoji, say, is two UTF-16 units). */
const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** Where to cut `s` to keep at most `end` UTF-16 units without splitting a surrogate pair. */
export function safeCut(s: string, end: number): number {
  return end > 0 && end < s.length && isHighSurrogate(s.charCodeAt(end - 1)) ? end - 1 : end;
}

/**
 * `s` in at most `max` UTF-16 units, ending in "…" when cut. A pair is never split: half an emoji
 * shows as "�" and makes encodeURIComponent throw.
 */
export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, safeCut(s, max - 1))}…` : s;
}
