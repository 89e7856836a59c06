import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import { HtmlEscapedCallbackPhase, resolveCallback } from 'hono/utils/html';
import type { ShellProps } from '../../views/layout/AppShell.js';
import { truncate } from '../text.js';
import { actorOf, type Ctx } from './env.js';

/**
 * Renders a full page with a doctype (hono/jsx writes none, which would mean quirks mode). The body
 * is handed on as a primitive string: the Node adapter writes those straight to the socket, while a
 * String object (what `html` returns) makes it build a web Response and stream it, a third of the
 * cost of a list page. (Encoding it to bytes here first saves nothing: Buffer.from measures the
 * string just as the adapter's Content-Length does.)
 */
export async function renderPage(c: Ctx, node: Child, status: 200 | 401 | 403 | 404 | 409 | 422 | 429 = 200) {
  const page = await resolveCallback(html`<!DOCTYPE html>${node}`, HtmlEscapedCallbackPhase.Stringify, false, {});
  return c.html(String(page), status);
}

/** The props every signed-in page's shell needs: the super_admin's switcher list among them. */
export async function shellProps(c: Ctx, title: string): Promise<ShellProps> {
  const actor = actorOf(c);
  const props: ShellProps = { actor, title, path: c.req.path, flash: takeFlash(c) };
  if (actor.role === 'super_admin') {
    props.processes = await c.get('deps').db.selectFrom('processes').select(['id', 'slug', 'name']).orderBy('id').execute();
  }
  return props;
}

const LOCAL_BASE = 'http://local.invalid';

/**
 * A local path to return to after sign-in; anything else (other hosts, //evil, /\evil) becomes "/".
 * Browsers drop tabs and line breaks from a Location and read a backslash as a slash, so "/<TAB>/evil"
 * would leave the site: a path with a control character or a backslash is refused, and what is left
 * must resolve to this origin.
 */
export function safeNext(next: string | undefined | null): string {
  if (!next || next.length > 500 || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  try {
    const u = new URL(next, LOCAL_BASE);
    if (u.origin !== LOCAL_BASE) return '/';
    return u.pathname + u.search + u.hash;
  } catch {
    return '/';
  }
}

const FLASH_COOKIE = 'd2c_flash';

/** A message shown as a toast on the next page, after a redirect. */
export function flash(c: Ctx, message: string): void {
  setCookie(c, FLASH_COOKIE, encodeURIComponent(truncate(message, 200)), { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 60 });
}

function takeFlash(c: Ctx): string | undefined {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return undefined;
  deleteCookie(c, FLASH_COOKIE, { path: '/' });
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export const isHtmx = (c: Ctx) => c.req.header('hx-request') === 'true';
export const htmxTarget = (c: Ctx) => c.req.header('hx-target') ?? null;

/** Tells the page (through htmx) to show a toast and to fire the named events. */
export function toast(c: Ctx, message: string, events: string[] = [], kind: 'success' | 'error' = 'success'): void {
  const payload: Record<string, unknown> = { toast: { message, kind } };
  for (const e of events) payload[e] = true;
  c.header('HX-Trigger', asciiJson(payload));
}

/** JSON safe for an HTTP header: anything outside printable ASCII becomes a \uXXXX escape. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
