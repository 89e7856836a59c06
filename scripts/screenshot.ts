// Full-page screenshots of pages as a given user, from a throwaway server (temp SQLite, demo seed).
//
//   node --import tsx scripts/screenshot.ts [--as email|none] [--password pw] [--out dir] [--mobile] path1 path2 ...
//
// --as defaults to the super admin; `--as none` stays signed out. Demo passwords are known, so
// --password is only needed for other accounts. Viewport 1440x900, or 390x844 with --mobile.
// Run `npm run build:css` first so /public/app.css is current. Prints each written file.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoPassword } from '../tests/helpers/app.js';
import { signIn, startBrowserServer, watchProblems } from '../tests/helpers/browser.js';

const SUPER_ADMIN = 'admin@d2ctelcare.com';
const USAGE = 'usage: node --import tsx scripts/screenshot.ts [--as email|none] [--password pw] [--out dir] [--mobile] path1 path2 ...';

function fileName(who: string, path: string, mobile: boolean): string {
  const user = who === 'none' ? 'signed-out' : who.replace(/@d2ctelcare\.com$/, '').replace(/[^a-zA-Z0-9.-]+/g, '_');
  const page = path === '/' ? 'dashboard' : path.replace(/^\/+/, '').replace(/[^a-zA-Z0-9.-]+/g, '_').replace(/_+$/, '');
  return `${user}--${page}${mobile ? '--mobile' : ''}.png`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      as: { type: 'string', default: SUPER_ADMIN },
      password: { type: 'string' },
      out: { type: 'string', default: 'tests/.artifacts/screenshots' },
      mobile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const who = values.as!;
  const signedOut = who === 'none' || who === '';
  const password = signedOut ? '' : values.password ?? demoPassword(who);
  const outDir = resolve(values.out!);
  mkdirSync(outDir, { recursive: true });
  const viewport = values.mobile ? { width: 390, height: 844 } : { width: 1440, height: 900 };

  const env = await startBrowserServer();
  let problemsSeen = false;
  try {
    const page = await env.newPage({
      viewport,
      deviceScaleFactor: 1,
      isMobile: values.mobile,
      hasTouch: values.mobile,
      reducedMotion: 'reduce',
    });
    if (!signedOut) {
      await signIn(page, who, password);
      if (new URL(page.url()).pathname === '/login') throw new Error(`sign-in failed for ${who}`);
    }
    for (const raw of positionals) {
      const path = raw.startsWith('/') ? raw : `/${raw}`;
      const problems = watchProblems(page);
      const res = await page.goto(path, { waitUntil: 'networkidle' });
      // Let Alpine settle (x-cloak, bound classes) before capturing.
      await page.waitForFunction(() => document.readyState === 'complete');
      await page.waitForTimeout(250);
      const file = join(outDir, fileName(signedOut ? 'none' : who, path, values.mobile!));
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      const landed = new URL(page.url());
      const note = landed.pathname + landed.search !== path ? ` (landed on ${landed.pathname}${landed.search})` : '';
      console.log(`${file}  [HTTP ${res?.status() ?? '?'}${note}]`);
      for (const p of [...problems.console, ...problems.failed]) {
        problemsSeen = true;
        console.error(`  ! ${path}: ${p}`);
      }
      page.removeAllListeners('console');
      page.removeAllListeners('pageerror');
      page.removeAllListeners('requestfailed');
      page.removeAllListeners('response');
    }
  } finally {
    await env.close();
  }
  return problemsSeen ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
