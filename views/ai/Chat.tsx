import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { QUICK_ACTIONS, MESSAGE_MAX, type ChatReply } from '../../src/modules/ai/chat.js';
import { can } from '../../src/roles.js';
import type { Actor } from '../../src/tenancy.js';
import { inputClass } from '../components/Form.js';
import { Icon } from '../components/Icon.js';
import { renderedOnce } from '../components/renderedOnce.js';
import { SourceBadge } from './SourceBadge.js';

/** Inline text: "#12" links to the incident, **bold** is bold; everything else is escaped text. */
function inline(text: string): Child[] {
  const out: Child[] = [];
  const re = /(\*\*[^*\n]{1,200}\*\*)|(#(\d{1,9})\b)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    if (m[1]) out.push(<strong>{m[1].slice(2, -2)}</strong>);
    else out.push(<a href={`/incidents/${m[3]}`} class="font-medium text-teal underline-offset-2 hover:underline">#{m[3]}</a>);
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** A reply as paragraphs and bullet lists (lines starting "- " or "* "). */
export function ReplyText(props: { text: string }) {
  const blocks: Child[] = [];
  let bullets: string[] = [];
  const flush = () => {
    if (bullets.length) {
      blocks.push(<ul class="ml-4 list-disc space-y-0.5">{bullets.map((b) => <li>{inline(b)}</li>)}</ul>);
      bullets = [];
    }
  };
  for (const raw of props.text.split('\n')) {
    const line = raw.trimEnd();
    const bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
    if (bullet) {
      bullets.push(bullet[1]);
      continue;
    }
    flush();
    if (line.trim() === '') continue;
    blocks.push(<p>{inline(line.replace(/^#{1,6}\s+/, ''))}</p>);
  }
  flush();
  return <div class="space-y-1.5 break-words">{blocks}</div>;
}

function AssistantAvatar() {
  return (
    <div class="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-teal text-white" aria-hidden="true">
      <Icon name="sparkle" class="h-4 w-4" />
    </div>
  );
}

export function AssistantBubble(props: { children: Child; footer?: Child; tone?: 'normal' | 'error' }) {
  const tone = props.tone === 'error' ? 'bg-danger/10 text-danger ring-danger/20' : 'bg-slate-100 text-slate-800 ring-slate-200';
  return (
    <div class="flex items-start gap-2" data-chat-role="assistant">
      <AssistantAvatar />
      <div class={`max-w-[85%] rounded-2xl rounded-tl-sm px-3 py-2 text-sm ring-1 ring-inset ${tone}`}>
        {props.children}
        {props.footer ? <div class="mt-1.5">{props.footer}</div> : null}
      </div>
    </div>
  );
}

export function UserBubble(props: { text: string }) {
  return (
    <div class="flex justify-end" data-chat-role="user">
      <div class="max-w-[85%] whitespace-pre-wrap break-words rounded-2xl rounded-tr-sm bg-navy px-3 py-2 text-sm text-white">{props.text}</div>
    </div>
  );
}

/** One question and its answer, appended to a chat log. */
export function ChatExchange(props: { message: string; reply: ChatReply }) {
  return (
    <>
      <UserBubble text={props.message} />
      <AssistantBubble footer={<SourceBadge source={props.reply.source} model={props.reply.model} reason={props.reply.fallback_reason} small />}>
        <div data-chat-reply data-source={props.reply.source}><ReplyText text={props.reply.reply} /></div>
      </AssistantBubble>
    </>
  );
}

/** A refused message (empty, too long): shown in the log, nothing asked. */
export function ChatError(props: { message: string }) {
  return (
    <AssistantBubble tone="error">
      <p role="alert" data-chat-error>{props.message}</p>
    </AssistantBubble>
  );
}

export function Welcome(props: { name: string }) {
  return (
    <AssistantBubble>
      <p>
        Hi {props.name}. Ask me what is open, who is on call, about an incident by its number (“Summarise incident #12”),
        or how to do something in D2C OPs. I answer from what you can see.
      </p>
    </AssistantBubble>
  );
}

/**
 * The quick-action chips and the message box of a chat whose log has id `logId`. Each chip is its own
 * small form, so it works with a keyboard and without any script; "Summarise incident #" fills the box.
 */
export function ChatComposer(props: { logId: string; inputId: string; compact?: boolean }) {
  const hx = {
    'hx-post': '/ai-insights/chat',
    'hx-target': `#${props.logId}`,
    'hx-swap': 'beforeend scroll:bottom',
    'hx-indicator': `#${props.logId}-thinking`,
  };
  const chip = 'rounded-full border border-teal/30 bg-teal/5 px-2.5 py-1 text-xs font-medium text-teal hover:bg-teal/10 focus:outline-none focus:ring-2 focus:ring-teal/40';
  return (
    <div class="space-y-2" x-data="{}">
      <div class="flex flex-wrap gap-1.5" aria-label="Quick questions" role="group">
        {QUICK_ACTIONS.map((q) => q.endsWith('#')
          ? (
            <button type="button" class={chip} data-quick={q}
              x-on:click={`const i = document.getElementById('${props.inputId}'); i.value = 'Summarise incident #'; i.focus()`}>
              Summarise incident #…
            </button>
          )
          : (
            <form method="post" action="/ai-insights/chat" {...hx} class="inline">
              <input type="hidden" name="message" value={q} />
              <button type="submit" class={chip} data-quick={q}>{q}</button>
            </form>
          ))}
      </div>
      <form
        method="post"
        action="/ai-insights/chat"
        {...hx}
        class="flex items-end gap-2"
        data-chat-form
        {...{ 'x-on:htmx:after-request': 'if ($event.detail.elt === $el && $event.detail.successful) $el.reset()' }}
      >
        <label for={props.inputId} class="sr-only">Ask the assistant</label>
        <input
          id={props.inputId}
          name="message"
          type="text"
          autocomplete="off"
          maxlength={MESSAGE_MAX}
          placeholder="Ask about incidents, on-call, how-to…"
          class={inputClass}
          required
        />
        <button type="submit" class="inline-flex h-9 w-10 shrink-0 items-center justify-center rounded-md bg-teal text-white hover:bg-teal/90 focus:outline-none focus:ring-2 focus:ring-teal/40" aria-label="Send">
          <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" class="h-4 w-4" aria-hidden="true"><path d="M4 12h14M13 6l6 6-6 6" /></svg>
        </button>
      </form>
      <div id={`${props.logId}-thinking`} class="htmx-indicator flex items-center gap-2 text-xs text-slate-500" aria-live="polite">
        <span class="inline-block h-2 w-2 animate-pulse rounded-full bg-teal"></span> Thinking…
      </div>
    </div>
  );
}

/**
 * The chat popup on every page (Figure 6.10d): a round button at the bottom left, clear of the toasts
 * (bottom right) and of the sidebar, opening a small panel that talks to the assistant through htmx.
 * It lives inside the shell's Alpine scope, so it follows the sidebar's width. Its log and composer
 * (ChatPopupPanel) load on the first open (asked again at the next open if that failed): most page
 * views never open it, and they were a tenth of every page's markup.
 */
export function ChatPopup(props: { actor: Actor; path: string }) {
  // Not on the AI Insights page (it has the Assistant tab), nor before a required password change.
  if (props.path === '/ai-insights' || props.actor.mustChangePassword || !can(props.actor.role, 'ai.view')) return null;
  return renderedOnce('chat-popup', () => <ChatPopupMarkup />);
}

const FOCUS_INPUT = "$nextTick(() => document.getElementById('chat-popup-input')?.focus())";

function ChatPopupMarkup() {
  return (
    <div x-data="{ chatOpen: false }" data-chat-popup {...{ 'x-on:keydown.escape.window': 'if (chatOpen) { chatOpen = false; $refs.chatButton.focus() }' }}>
      <button
        type="button"
        x-ref="chatButton"
        class="fixed bottom-4 left-4 z-[35] flex h-12 w-12 items-center justify-center rounded-full bg-navy text-white shadow-lg ring-2 ring-white transition hover:bg-teal focus:outline-none focus:ring-4 focus:ring-teal/40"
        x-bind:class="collapsed ? 'md:left-20' : 'md:left-64'"
        x-show="!mobileOpen"
        x-cloak=""
        x-on:click={`chatOpen = !chatOpen; if (chatOpen) { $dispatch('d2c:chat-open'); ${FOCUS_INPUT} }`}
        x-bind:aria-expanded="chatOpen ? 'true' : 'false'"
        aria-controls="chat-popup"
        aria-label="Open the assistant"
        title="Assistant"
        data-testid="chat-popup-button"
      >
        <span x-show="!chatOpen"><Icon name="sparkle" class="h-6 w-6" /></span>
        <span x-show="chatOpen" x-cloak=""><Icon name="x" class="h-6 w-6" /></span>
      </button>
      <section
        id="chat-popup"
        role="dialog"
        aria-label="D2C OPs Assistant"
        class="fixed bottom-20 left-4 z-[35] flex max-h-[75vh] w-[calc(100vw-2rem)] max-w-sm flex-col overflow-hidden rounded-xl border border-slate-200 bg-white shadow-2xl"
        x-bind:class="collapsed ? 'md:left-20' : 'md:left-64'"
        x-show="chatOpen"
        x-cloak=""
        x-transition=""
        data-testid="chat-popup"
      >
        <header class="flex items-center gap-2 bg-navy px-4 py-3 text-white">
          <Icon name="sparkle" class="h-5 w-5 text-teal-light" />
          <div class="min-w-0 flex-1">
            <h2 class="text-sm font-semibold">D2C OPs Assistant</h2>
            <p class="truncate text-[11px] text-slate-300">Answers from what you can see</p>
          </div>
          <a href="/ai-insights?tab=assistant" class="rounded p-1 text-xs text-slate-300 hover:text-white" title="Open the Assistant tab">Full view</a>
          <button type="button" class="rounded p-1 text-slate-300 hover:bg-white/10 hover:text-white" aria-label="Close the assistant" x-on:click="chatOpen = false">
            <Icon name="x" class="h-4 w-4" />
          </button>
        </header>
        <div hx-get="/ai-insights/chat/panel" hx-trigger="d2c:chat-open from:body" hx-swap="outerHTML" class="flex min-h-48 flex-1 items-center justify-center p-3 text-sm text-slate-500" data-chat-loading>
          <span class="inline-block h-2 w-2 animate-pulse rounded-full bg-teal"></span>{raw('&nbsp;Loading&hellip;')}
        </div>
      </section>
    </div>
  );
}

/** The popup's log and composer, loaded on its first open; takes the focus when it arrives. */
export function ChatPopupPanel(props: { name: string }) {
  return (
    <div class="flex min-h-0 flex-1 flex-col" x-init={`if (chatOpen) ${FOCUS_INPUT}`} data-chat-panel>
      <div id="chat-popup-log" class="min-h-48 flex-1 space-y-3 overflow-y-auto p-3" aria-live="polite" data-chat-log>
        <Welcome name={props.name} />
      </div>
      <div class="border-t border-slate-200 p-3">
        <ChatComposer logId="chat-popup-log" inputId="chat-popup-input" compact />
      </div>
    </div>
  );
}
