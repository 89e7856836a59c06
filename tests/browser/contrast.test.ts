// End-to-end: every piece of text on the main pages is readable, i.e. meets WCAG 2.1 AA contrast
// against what is actually behind it (4.5:1, or 3:1 for large text: 24px, or 18.66px and bold).
// The ratio is measured in the page on the computed colours, so Tailwind classes, the theme's tokens,
// translucent tints (bg-amber/10) and inherited colours all count as the browser draws them.
// The emails are checked the same way, rendered in Chromium. Pages only, so SQLite only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { downtimeEmail, incidentEmail } from '../../src/mail/templates.js';
import { signIn, startBrowserServer, type BrowserServer } from '../helpers/browser.js';

const ADMIN = 'admin.momo@d2ctelcare.com';

interface Offender {
  /** The page or modal it was found on. */
  where?: string;
  selector: string;
  text: string;
  ratio: number;
  needed: number;
  color: string;
  background: string;
}

/**
 * Runs in the page: each visible text node (and each form control's value or placeholder), its
 * colour composited over its effective background (the first opaque background up the ancestors,
 * with the translucent ones in between laid over it), and the pieces whose ratio is under AA.
 * Colours are parsed and blended by a 1×1 canvas, which reads any CSS colour (oklch, color-mix)
 * and blends in the same sRGB space as the page.
 */
function findLowContrast(): Offender[] {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const pixel = () => Array.from(ctx.getImageData(0, 0, 1, 1).data);
  const alphaOf = (css: string): number => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = 'transparent'; // a colour the canvas cannot read leaves fillStyle as it was
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    return pixel()[3]! / 255;
  };
  /** `layers` (CSS colours, bottom first, each with its own alpha times `alpha`) painted over white: the sRGB pixel. */
  const paint = (layers: { css: string; alpha: number }[]): number[] => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 1, 1);
    for (const l of layers) {
      ctx.globalAlpha = l.alpha;
      ctx.fillStyle = l.css;
      ctx.fillRect(0, 0, 1, 1);
    }
    ctx.globalAlpha = 1;
    return pixel().slice(0, 3);
  };
  const luminance = (rgb: number[]) => {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const ratioOf = (a: number[], b: number[]) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi! + 0.05) / (lo! + 0.05);
  };

  /** The backgrounds behind `el`, bottom first, from the nearest opaque one up to `el` itself. */
  const backgroundLayers = (el: Element): { css: string; alpha: number }[] => {
    const layers: { css: string; alpha: number }[] = [];
    for (let e: Element | null = el; e; e = e.parentElement) {
      const css = getComputedStyle(e).backgroundColor;
      const a = alphaOf(css);
      if (a === 0) continue;
      layers.unshift({ css, alpha: 1 });
      if (a === 1) break;
    }
    return layers;
  };
  /** The product of the opacities of `el` and its ancestors: text in a faded box is fainter. */
  const opacityOf = (el: Element) => {
    let o = 1;
    for (let e: Element | null = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const selectorOf = (el: Element): string => {
    const parts: string[] = [];
    for (let e: Element | null = el; e && parts.length < 3 && e !== document.body; e = e.parentElement) {
      const id = e.id ? `#${e.id}` : '';
      const testid = e.getAttribute('data-testid') ? `[data-testid="${e.getAttribute('data-testid')}"]` : '';
      const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).filter((c) => /^(text-|bg-|badge)/.test(c)).join('.') : '';
      parts.unshift(`${e.tagName.toLowerCase()}${id}${testid}${cls === '.' ? '' : cls}`);
      if (id || testid) break;
    }
    return parts.join(' > ');
  };
  const isLarge = (style: CSSStyleDeclaration) => {
    const size = parseFloat(style.fontSize);
    return size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  };
  // WCAG exempts inactive controls.
  const disabled = (el: Element) => Boolean(el.closest(':disabled, [aria-disabled="true"]'));

  const offenders: Offender[] = [];
  const seen = new Set<string>();
  const check = (el: Element, text: string, color: string, style: CSSStyleDeclaration) => {
    const opacity = opacityOf(el);
    if (alphaOf(color) * opacity === 0) return;
    const bgLayers = backgroundLayers(el);
    const bg = paint(bgLayers);
    const fg = paint([...bgLayers, { css: color, alpha: opacity }]);
    const ratio = ratioOf(fg, bg);
    const needed = isLarge(style) ? 3 : 4.5;
    if (ratio >= needed) return;
    const offender = {
      selector: selectorOf(el),
      text: text.trim().replace(/\s+/g, ' ').slice(0, 40),
      ratio: Math.round(ratio * 100) / 100,
      needed,
      color,
      background: `rgb(${bg.join(', ')})`,
    };
    const key = `${offender.selector}|${offender.text}`;
    if (!seen.has(key)) offenders.push(offender), seen.add(key);
  };

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent ?? '';
    const el = node.parentElement;
    if (!text.trim() || !el || el.closest('script, style, template, option, textarea, title')) continue;
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) || disabled(el)) continue;
    // Text clipped away (sr-only) or laid out nowhere is not seen.
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    const style = getComputedStyle(el);
    // SVG text is painted with its fill.
    check(el, text, el instanceof SVGElement ? style.fill : style.color, style);
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    const control = el as HTMLInputElement;
    if (['hidden', 'checkbox', 'radio', 'range', 'color', 'file', 'submit', 'button', 'reset', 'image'].includes(control.type)) continue;
    if (!control.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) || disabled(control)) continue;
    const style = getComputedStyle(control);
    if (control.value) check(control, control.value, style.color, style);
    else if (control.placeholder) check(control, `placeholder: ${control.placeholder}`, getComputedStyle(control, '::placeholder').color, style);
  }
  return offenders;
}

let env: BrowserServer;
let page: Page;

beforeAll(async () => {
  env = await startBrowserServer();
  page = await env.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, ADMIN, 'Admin@123');
});

afterAll(async () => {
  await page?.context().close().catch(() => {});
  await env?.close();
});

/** Lets fades end first (a dropdown or an indicator half faded in is not what a reader is left with). */
const settled = (p: Page) =>
  p.evaluate(() => Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
    .map((a) => a.finished.catch(() => {}))));

const lowContrast = async (where: string, p = page): Promise<Offender[]> => {
  await settled(p);
  return (await p.evaluate(findLowContrast)).map((o) => ({ where, ...o }));
};

describe('text contrast (WCAG 2.1 AA)', () => {
  it('the measure itself: slate-400 on white fails, slate-500 passes on white but not on a navy tint, a disabled button is exempt', async () => {
    await page.goto('/');
    await page.evaluate(() => {
      const probe = document.createElement('div');
      probe.id = 'probe';
      probe.style.background = '#fff';
      // Tailwind's slate-400 and slate-500 (v3 hex), as styles: the classes may not be in the built CSS.
      probe.innerHTML = '<p style="color:#94a3b8">faint</p><p style="color:#64748b">plain</p>'
        + '<p style="background:rgb(4 44 83 / 0.1)"><span style="color:#64748b">tinted</span></p>'
        + '<button disabled style="color:#cbd5e1">off</button>';
      document.querySelector('main')!.prepend(probe);
    });
    const found = (await lowContrast('/')).filter((o) => o.selector.includes('#probe'));
    // 2.56:1 on white; 4.76:1 on white but under 4.5:1 on a 10% navy tint; the disabled button is exempt.
    expect(found.map((o) => o.text).sort()).toEqual(['faint', 'tinted']);
    expect(found.find((o) => o.text === 'faint')!.ratio).toBeCloseTo(2.56, 1);
  });

  it('every page of the main modules, with the incident detail modal and a form modal open', async () => {
    const offenders: Offender[] = [];
    const pages = ['/', '/incidents', '/downtime', '/tickets', '/approvals', '/handovers', '/oncall', '/reporting', '/audit-log', '/users'];
    for (const path of pages) {
      await page.goto(path);
      offenders.push(...(await lowContrast(path)));
    }

    const dialog = page.locator('[data-modal] [role=dialog]');
    await page.goto('/incidents');
    await page.getByTestId('incident-table').locator('tbody tr a').first().click();
    await dialog.waitFor();
    offenders.push(...(await lowContrast('incident detail')));

    // A blank form: its placeholders and hints.
    await page.goto('/incidents');
    await page.getByTestId('new-incident').click();
    await dialog.waitFor();
    offenders.push(...(await lowContrast('new incident form')));

    await page.goto('/tickets');
    await page.getByTestId('ticket-table').locator('tbody tr a').first().click();
    await dialog.waitFor();
    offenders.push(...(await lowContrast('ticket detail')));

    expect(report(offenders)).toEqual([]);
  });

  it('the other modules, the full-page forms, and the signed-out pages', async () => {
    const offenders: Offender[] = [];
    const pages = [
      '/escalations', '/automation', '/notifications', '/activity', '/ai-insights', '/email-log', '/integrations',
      '/oncall/calendar', '/account/password', '/handovers/new', '/tickets/new', '/approvals/new', '/automation/new',
      '/users/new', '/oncall/new', '/notifications/new', '/integrations/new',
    ];
    for (const path of pages) {
      await page.goto(path);
      offenders.push(...(await lowContrast(path)));
    }
    await page.goto('/users');
    await Promise.all([page.waitForURL(/\/users\/\d+/), page.getByTestId('user-table').locator('tbody tr a').first().click()]);
    offenders.push(...(await lowContrast('user profile')));

    // What appears on demand: the bell's panel, the audit log's integrity check, each chain's dry run and history.
    await page.getByTestId('bell-button').click();
    await page.locator('#bell-panel > *').first().waitFor();
    offenders.push(...(await lowContrast('bell panel')));
    await page.goto('/audit-log');
    await page.getByTestId('verify').click();
    await page.getByTestId('integrity-result').waitFor();
    offenders.push(...(await lowContrast('audit log verified')));
    await page.goto('/escalations');
    const chains = await page.locator('[data-action="dry-run"]').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
    expect(chains.length).toBeGreaterThan(0);
    for (const path of [...chains, chains[0]!.replace('/dry-run', '')]) {
      await page.goto(path);
      offenders.push(...(await lowContrast(path)));
    }

    const signedOut = await env.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      for (const path of ['/login', '/register', '/forgot-password']) {
        await signedOut.goto(path);
        offenders.push(...(await lowContrast(path, signedOut)));
      }
    } finally {
      await signedOut.context().close();
    }
    expect(report(offenders)).toEqual([]);
  });

  it('the emails: every severity and status badge, the downtime impacts, the facts, the link and the footer', async () => {
    const offenders: Offender[] = [];
    const mails: [string, string][] = [];
    const opened_at = new Date('2026-05-09T08:00:00.000Z');
    for (const [severity, status] of [[1, 'open'], [2, 'in_progress'], [3, 'resolved'], [4, 'open']] as const) {
      const incident = { id: 42, title: 'Payment Gateway Down', severity, status, description: 'Card payments time out.', opened_at, resolved_at: null };
      const mail = incidentEmail('created', { appUrl: env.url, incident, processName: 'Momo', processTimezone: 'UTC', assigneeName: null, actorName: 'Momo Operator' });
      mails.push([`incident email, Sev ${severity} ${status}`, mail.html]);
    }
    for (const impact_level of ['high', 'medium', 'low']) {
      const downtime = { id: 7, started_at: opened_at, ended_at: null, services_affected: ['Payments API'], impact_level, notes: 'Failover in progress.' };
      const mail = downtimeEmail('reported', { appUrl: env.url, downtime, processName: 'Momo', processTimezone: 'UTC', actorName: null, incidentTitle: null });
      mails.push([`downtime email, ${impact_level} impact`, mail.html]);
    }
    for (const [where, html] of mails) {
      await page.setContent(html);
      offenders.push(...(await lowContrast(where)));
    }
    expect(report(offenders)).toEqual([]);
  });
});

/** One line per offender: where, which element, its text, the ratio and what it needs. */
function report(offenders: Offender[]): string[] {
  return [...new Set(offenders.map((o) => `${o.where}: ${o.selector} "${o.text}" ${o.ratio}:1 < ${o.needed}:1 (${o.color} on ${o.background})`))];
}
