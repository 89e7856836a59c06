import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { projectPath } from '../paths.js';
import type { AppEnv } from './env.js';

const modules = (rel: string) => projectPath('node_modules', rel);

/** htmx and Alpine from node_modules, served from our own origin (the platform runs offline). */
const VENDOR: Record<string, string> = {
  'htmx.min.js': modules('htmx.org/dist/htmx.min.js'),
  'alpine.min.js': modules('alpinejs/dist/cdn.min.js'),
};

export function vendorAssets(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const cache = new Map<string, string>();
  app.get('/vendor/:file', (c) => {
    const file = c.req.param('file');
    const path = VENDOR[file];
    if (!path) return c.notFound();
    let body = cache.get(file);
    if (body === undefined) {
      body = readFileSync(path, 'utf8');
      cache.set(file, body);
    }
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(body);
  });
  return app;
}
