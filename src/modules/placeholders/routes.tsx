import { Hono } from 'hono';
import { ComingSoonPage } from '../../../views/placeholders/ComingSoon.js';
import { requireAuth, requirePermission } from '../../auth/session.js';
import type { AppEnv } from '../../http/env.js';
import { renderPage, shellProps } from '../../http/render.js';
import { NAVIGATION } from '../../navigation.js';

/** What each not-yet-built module will do, shown on its page meanwhile. */
const DESCRIPTIONS: Record<string, string> = {
};

export const placeholderPages = new Hono<AppEnv>();

for (const item of NAVIGATION.flatMap((s) => s.items)) {
  const description = DESCRIPTIONS[item.path];
  if (!description) continue;
  placeholderPages.get(item.path, requireAuth, requirePermission(item.permission), async (c) =>
    renderPage(c, <ComingSoonPage shell={await shellProps(c, item.label)} description={description} />),
  );
}
