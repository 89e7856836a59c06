import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/db/schema.js';
import type { Actor } from '../../src/tenancy.js';
import { AppShell } from '../../views/layout/AppShell.js';

/**
 * The sidebar, top bar and chat popup are rendered once per variant and reused: each request must
 * still get the variant of its own role, page, title and user.
 */

function actor(role: Role, name: string, extra: Partial<Actor> = {}): Actor {
  return {
    userId: 1, processId: 3, role, name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`, processSlug: 'momo',
    viewProcessId: null, mustChangePassword: false, ip: null, userAgent: null, ...extra,
  };
}

const render = (a: Actor, path: string, title = 'Page') => String(<AppShell actor={a} title={title} path={path}><p>body</p></AppShell>);
const current = (html: string) => [...html.matchAll(/data-nav="([^"]+)" aria-current="page"/g)].map((m) => m[1]);

describe('the page frame, rendered once per variant', () => {
  it('marks the item of each page as current, whatever was rendered before', () => {
    const op = actor('operator', 'Ada Operator');
    expect(current(render(op, '/incidents'))).toEqual(['/incidents']);
    expect(current(render(op, '/incidents/42'))).toEqual(['/incidents']);
    expect(current(render(op, '/tickets'))).toEqual(['/tickets']);
    expect(current(render(op, '/'))).toEqual(['/']);
    expect(current(render(op, '/incidents'))).toEqual(['/incidents']);
  });

  it("shows each role its own menu", () => {
    const viewer = render(actor('viewer', 'Vic Viewer'), '/');
    const admin = render(actor('admin', 'Ann Admin'), '/');
    expect(viewer).not.toContain('data-nav="/audit-log"');
    expect(admin).toContain('data-nav="/audit-log"');
    expect(render(actor('viewer', 'Vic Viewer'), '/')).not.toContain('data-nav="/audit-log"');
  });

  it("shows each user's own name, email and the page's title, escaped", () => {
    const first = render(actor('operator', 'Ada Operator'), '/incidents', 'Incidents');
    const second = render(actor('operator', '<b>Bob</b> Operator'), '/incidents', 'Incidents');
    const third = render(actor('operator', 'Ada Operator'), '/tickets', 'Tickets');
    expect(first).toContain('Ada Operator');
    expect(first).not.toContain('Bob');
    expect(second).toContain('&lt;b&gt;Bob&lt;/b&gt; Operator');
    expect(second).not.toContain('<b>Bob</b>');
    expect(second).not.toContain('Ada Operator');
    expect(third).toMatch(/<h1[^>]*>Tickets<\/h1>/);
    expect(first).toMatch(/<h1[^>]*>Incidents<\/h1>/);
  });
});
