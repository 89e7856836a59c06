import { formatInZone, timeAgo } from '../../src/time.js';

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
  return (
    <time datetime={props.at.toISOString()} data-local="relative" title={formatInZone(props.at, props.tz)}>
      {timeAgo(props.at, props.now)}
    </time>
  );
}
