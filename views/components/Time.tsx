import { raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { formatInZone, timeAgo } from '../../src/time.js';
import { escapeHtml } from './escape.js';

/**
 * A time shown in the viewer's zone: the server writes the process zone's text, and app.js rewrites
 * it in the browser's own zone (and keeps relative times fresh).
 */
export function LocalTime(props: { at: Date; tz: string }) {
  return (
    <time datetime={props.at.toISOString()} data-local="datetime">
      {formatInZone(props.at, props.tz)}
    </time>
  );
}

export function RelativeTime(props: { at: Date; now: Date; tz: string }) {
  return relativeTimeHtml(props.at, props.now, props.tz);
}

/** RelativeTime's markup as a string, for rows built as template strings. */
export function relativeTimeHtml(at: Date, now: Date, tz: string): HtmlEscapedString {
  return raw(`<time datetime="${at.toISOString()}" data-local="relative" title="${escapeHtml(formatInZone(at, tz))}">${escapeHtml(timeAgo(at, now))}</time>`) as HtmlEscapedString;
}
