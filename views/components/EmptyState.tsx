import type { PropsWithChildren } from 'hono/jsx';
import { Icon } from './Icon.js';

export function EmptyState(props: PropsWithChildren<{ icon?: string; title: string }>) {
  return (
    <div class="flex flex-col items-center justify-center gap-2 px-6 py-12 text-center">
      <div class="rounded-full bg-teal/10 p-3 text-teal">
        <Icon name={props.icon ?? 'check'} class="h-6 w-6" />
      </div>
      <p class="font-semibold text-navy">{props.title}</p>
      <div class="max-w-sm text-sm text-slate-500">{props.children}</div>
    </div>
  );
}
