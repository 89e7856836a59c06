import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ShellProps } from '../../views/layout/AppShell.js';
import { actorOf, type Ctx } from './env.js';

/** Renders a full page with a doctype (hono/jsx writes none, which would mean quirks mode). */
export function renderPage(c: Ctx, node: Child, status: 200 | 401 | 403 | 404 | 409 | 422 | 429 = 200) {
  return c.html(html`<!DOCTYPE html>${node}`, status);
}

/** The props every signed-in page's shell needs: the super_admin's switcher list among them. */
export async function shellProps(c: Ctx, title: string): Promise<ShellProps> {
  const actor = actorOf(c);
  const props: ShellProps = { actor, title, path: c.req.path };
  if (actor.role === 'super_admin') {
    props.processes = await c.get('deps').db.selectFrom('processes').select(['id', 'slug', 'name']).orderBy('id').execute();
  }
  return props;
}

/** A local path to return to after sign-in; anything else (other hosts, //evil) becomes "/". */
export function safeNext(next: string | undefined | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next.slice(0, 500);
}
