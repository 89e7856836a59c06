import { raw } from 'hono/html';
import type { PropsWithChildren } from 'hono/jsx';
import type { Process } from '../../src/db/schema.js';
import { navigationFor, type NavSection } from '../../src/navigation.js';
import { ROLE_LABELS } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { ChatPopup } from '../ai/Chat.js';
import { Icon } from '../components/Icon.js';
import { renderedOnce } from '../components/renderedOnce.js';
import { NotificationBell } from '../notifications/Bell.js';
import { Document } from './Document.js';

export interface ShellProps {
  actor: Actor;
  title: string;
  path: string;
  /** super_admin only: the processes for the switcher. */
  processes?: Pick<Process, 'id' | 'slug' | 'name'>[];
  /** A message carried over a redirect, shown as a toast. */
  flash?: string;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase() || '?';
}

function isActive(itemPath: string, path: string): boolean {
  return itemPath === '/' ? path === '/' : path === itemPath || path.startsWith(itemPath + '/');
}

/** The navigation item the path belongs to, if any. */
function activeItem(sections: NavSection[], path: string): string | null {
  for (const section of sections) for (const item of section.items) if (isActive(item.path, path)) return item.path;
  return null;
}

/** The sidebar depends on the role and the active item only, so each variant is rendered once. */
function Sidebar(props: { actor: Actor; path: string }) {
  const sections = navigationFor(props.actor.role);
  const active = activeItem(sections, props.path);
  return renderedOnce(`sidebar:${props.actor.role}:${active ?? ''}`, () => <SidebarMarkup sections={sections} active={active} />);
}

function SidebarMarkup(props: { sections: NavSection[]; active: string | null }) {
  return (
    <aside
      class="fixed inset-y-0 left-0 z-40 flex w-64 -translate-x-full max-md:invisible flex-col bg-navy text-slate-200 transition-all duration-200 md:sticky md:top-0 md:h-screen md:w-60 md:translate-x-0"
      x-bind:class="{ 'md:w-16': collapsed, 'md:w-60': !collapsed, 'translate-x-0': mobileOpen, '-translate-x-full': !mobileOpen, 'max-md:invisible': !mobileOpen }"
      aria-label="Main navigation"
      id="sidebar"
    >
      <div class="flex h-14 items-center gap-2 border-b border-white/10 px-4">
        <div class="flex h-8 w-8 shrink-0 items-center justify-center rounded-md bg-teal text-[11px] font-bold text-white">D2C</div>
        <div class="leading-tight" x-show="!collapsed || mobileOpen">
          <div class="text-sm font-semibold text-white">D2C Telcare</div>
          <div class="text-[11px] text-slate-400">D2C OPs</div>
        </div>
      </div>
      <nav class="flex-1 overflow-y-auto px-2 py-3">
        {props.sections.map((section) => (
          <div class="mb-4">
            <div class="px-2 pb-1 text-[11px] font-semibold uppercase tracking-wider text-slate-400" x-show="!collapsed || mobileOpen">
              {section.title}
            </div>
            <ul>
              {section.items.map((item) => {
                const active = item.path === props.active;
                return (
                  <li>
                    <a
                      href={item.path}
                      title={item.label}
                      data-nav={item.path}
                      aria-current={active ? 'page' : undefined}
                      class={`flex items-center gap-3 rounded-md px-2 py-2 text-sm ${active ? 'bg-white/15 font-semibold text-white' : 'text-slate-300 hover:bg-white/10 hover:text-white'}`}
                    >
                      <Icon name={item.icon} class="h-5 w-5 shrink-0" />
                      <span x-show="!collapsed || mobileOpen">{item.label}</span>
                    </a>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </nav>
      <button
        type="button"
        class="hidden items-center gap-2 border-t border-white/10 px-4 py-3 text-xs text-slate-400 hover:text-white md:flex"
        x-on:click="collapsed = !collapsed"
        x-bind:aria-label="collapsed ? 'Expand sidebar' : 'Collapse sidebar'"
        data-testid="sidebar-toggle"
      >
        <span x-show="!collapsed"><Icon name="chevronLeft" class="h-4 w-4" /></span>
        <span x-show="collapsed" x-cloak=""><Icon name="chevronRight" class="h-4 w-4" /></span>
        <span x-show="!collapsed">Compact sidebar</span>
      </button>
    </aside>
  );
}

/** The top bar's switcher; on a phone, where the top bar has no room, the same one is in the account menu. */
function ProcessSwitcher(props: { actor: Actor; processes: Pick<Process, 'id' | 'slug' | 'name'>[]; id?: string; class?: string }) {
  const id = props.id ?? 'process-switcher';
  return (
    <form method="post" action="/switch-process" class={props.class ?? 'hidden sm:block'}>
      <label class={props.id ? 'mb-1 block text-xs font-medium text-slate-500' : 'sr-only'} for={id}>Process</label>
      <select
        id={id}
        name="process"
        class="w-full rounded-md border border-slate-300 bg-white py-1.5 pl-2 pr-8 text-sm text-navy"
        x-on:change="$el.form.requestSubmit()"
      >
        <option value="" selected={props.actor.viewProcessId === null}>All processes</option>
        {props.processes.map((p) => (
          <option value={p.slug} selected={props.actor.viewProcessId === p.id}>{p.name}</option>
        ))}
      </select>
      <noscript><button class="ml-1 text-sm underline">Switch</button></noscript>
    </form>
  );
}

/**
 * The top bar reads the page title and who is signed in; only the super_admin's process switcher
 * changes between requests, so every other variant is rendered once.
 */
function TopBar(props: ShellProps) {
  if (props.actor.role === 'super_admin') return <TopBarMarkup {...props} />;
  const { actor, title } = props;
  const key = JSON.stringify(['topbar', title, actor.name, actor.email, actor.role, actor.processSlug, actor.mustChangePassword]);
  return renderedOnce(key, () => <TopBarMarkup actor={actor} title={title} path={props.path} />);
}

function TopBarMarkup(props: ShellProps) {
  const { actor } = props;
  return (
    <header class="sticky top-0 z-30 flex h-14 items-center gap-3 border-b border-slate-200 bg-white/95 px-4 backdrop-blur">
      <button type="button" class="rounded p-1 text-navy md:hidden" x-on:click="mobileOpen = !mobileOpen" aria-label="Open menu" x-bind:aria-expanded="mobileOpen ? 'true' : 'false'" aria-controls="sidebar">
        <Icon name="menu" />
      </button>
      <h1 class="truncate text-lg font-semibold text-navy" title={props.title}>{props.title}</h1>
      <div class="ml-auto flex items-center gap-3">
        {actor.role === 'super_admin' && props.processes ? <ProcessSwitcher actor={actor} processes={props.processes} /> : null}
        <span class="hidden items-center gap-1.5 rounded-full bg-teal/10 px-2.5 py-1 text-xs font-semibold text-teal sm:inline-flex" title="Data refreshes automatically">
          <span class="relative flex h-2 w-2">
            <span class="absolute inline-flex h-full w-full animate-ping rounded-full bg-teal-light opacity-75"></span>
            <span class="relative inline-flex h-2 w-2 rounded-full bg-teal"></span>
          </span>
          Live
        </span>
        <button type="button" class="rounded-full p-1.5 text-slate-500 hover:bg-slate-100 hover:text-navy" title="Refresh" aria-label="Refresh" data-refresh>
          <Icon name="refresh" />
        </button>
        {actor.mustChangePassword ? null : <NotificationBell />}
        <div class="relative" x-data="{ open: false }" {...{ 'x-on:keydown.escape': 'open = false', 'x-on:click.outside': 'open = false' }}>
          <button
            type="button"
            class="flex h-9 w-9 items-center justify-center rounded-full bg-navy text-sm font-semibold text-white"
            x-on:click="open = !open"
            aria-haspopup="menu"
            aria-label="Account menu"
            data-testid="avatar"
          >
            {initials(actor.name)}
          </button>
          <div x-show="open" x-cloak="" x-transition="" class="absolute right-0 mt-2 w-60 rounded-lg border border-slate-200 bg-white py-2 shadow-lg" role="menu">
            <div class="border-b border-slate-100 px-4 pb-2">
              <div class="truncate text-sm font-semibold text-navy">{actor.name}</div>
              <div class="truncate text-xs text-slate-500">{actor.email}</div>
              <div class="mt-1 text-xs text-slate-500">{ROLE_LABELS[actor.role]}{raw(' &middot; ')}{actor.processSlug}</div>
            </div>
            {actor.role === 'super_admin' && props.processes ? (
              <ProcessSwitcher actor={actor} processes={props.processes} id="process-switcher-menu" class="border-b border-slate-100 px-4 py-2 sm:hidden" />
            ) : null}
            <a href="/profile" class="flex w-full items-center gap-2 px-4 py-2 text-left text-sm text-slate-700 hover:bg-slate-50" role="menuitem" data-testid="my-profile">
              <Icon name="user" class="h-4 w-4" /> My profile
            </a>
            <form method="post" action="/logout">
              <button type="submit" class="flex w-full items-center gap-2 px-4 py-2 text-left text-sm text-slate-700 hover:bg-slate-50" role="menuitem">
                <Icon name="logout" class="h-4 w-4" /> Sign out
              </button>
            </form>
          </div>
        </div>
      </div>
    </header>
  );
}

/** The signed-in page frame: navy sidebar (collapsible to an icon rail), top bar, content. */
export function AppShell(props: PropsWithChildren<ShellProps>) {
  return (
    <Document title={props.title}>
      <div
        class="flex min-h-full"
        x-data="{ collapsed: localStorage.getItem('d2c.sidebar') === 'compact', mobileOpen: false }"
        x-init="$watch('collapsed', v => localStorage.setItem('d2c.sidebar', v ? 'compact' : 'full'))"
        {...{ 'x-on:keydown.escape.window': 'mobileOpen = false' }}
      >
        <Sidebar actor={props.actor} path={props.path} />
        <div class="fixed inset-0 z-30 bg-navy/40 md:hidden" x-show="mobileOpen" x-cloak="" x-on:click="mobileOpen = false"></div>
        <div class="flex min-w-0 flex-1 flex-col">
          <TopBar {...props} />
          <main id="main" class="w-full max-w-screen-2xl flex-1 p-4 pb-20 md:p-6 md:pb-20">{props.children}</main>
          {props.flash ? <div hidden data-flash={props.flash}></div> : null}
        </div>
        <ChatPopup actor={props.actor} path={props.path} />
      </div>
    </Document>
  );
}
