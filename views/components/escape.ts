import { escapeToBuffer } from 'hono/utils/html';

/** Text for HTML, escaped exactly as hono/jsx escapes text and attribute values (for hand-built hot markup). */
export function escapeHtml(text: string): string {
  const buffer: [string] = [''];
  escapeToBuffer(text, buffer);
  return buffer[0];
}
