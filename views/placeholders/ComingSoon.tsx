import { EmptyState } from '../components/EmptyState.js';
import { AppShell, type ShellProps } from '../layout/AppShell.js';

/** A module that a later release builds: the page exists and respects permissions already. */
export function ComingSoonPage(props: { shell: ShellProps; description: string }) {
  return (
    <AppShell {...props.shell}>
      <div class="rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="coming-soon">
        <EmptyState title={`${props.shell.title} is on its way`} icon="sparkle">
          {props.description}
        </EmptyState>
      </div>
    </AppShell>
  );
}
