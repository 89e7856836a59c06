import type { Child, PropsWithChildren } from 'hono/jsx';

/**
 * The frame of every email. Email clients ignore stylesheets and most of CSS, so this is a table
 * layout with inline styles only, in the platform's colours: navy header bar, white card, teal button.
 */

export const EMAIL_COLORS = {
  navy: '#042C53',
  teal: '#0F6E56',
  // The app's darker amber: white on #BA7517 is 3.7:1, under WCAG AA's 4.5:1.
  amber: '#8A5710',
  danger: '#A32D2D',
  slate: '#475569',
  muted: '#64748b',
  border: '#e2e8f0',
  background: '#f1f5f9',
} as const;

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";

export interface EmailFact {
  label: string;
  value: Child;
}

export function EmailLayout(props: PropsWithChildren<{
  title: string;
  /** Hidden text most clients show after the subject in the inbox list. */
  preheader?: string;
  facts?: EmailFact[];
  action?: { href: string; label: string };
}>) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{props.title}</title>
      </head>
      <body style={`margin:0;padding:0;background:${EMAIL_COLORS.background};${FONT}color:#1e293b;`}>
        {props.preheader ? (
          <div style="display:none;max-height:0;overflow:hidden;opacity:0;color:transparent;">{props.preheader}</div>
        ) : null}
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border={0} style={`background:${EMAIL_COLORS.background};`}>
          <tr>
            <td align="center" style="padding:24px 12px;">
              <table role="presentation" width="600" cellpadding="0" cellspacing="0" border={0}
                style={`width:100%;max-width:600px;background:#ffffff;border:1px solid ${EMAIL_COLORS.border};border-radius:8px;overflow:hidden;`}>
                <tr>
                  <td style={`background:${EMAIL_COLORS.navy};padding:16px 24px;`}>
                    <span style={`${FONT}font-size:18px;font-weight:700;color:#ffffff;letter-spacing:0.3px;`}>D2C OPs</span>
                  </td>
                </tr>
                <tr>
                  <td style="padding:24px 24px 8px 24px;">
                    <h1 style={`${FONT}margin:0 0 12px 0;font-size:20px;line-height:28px;font-weight:700;color:${EMAIL_COLORS.navy};`}>{props.title}</h1>
                    {props.children}
                  </td>
                </tr>
                {props.facts?.length ? (
                  <tr>
                    <td style="padding:8px 24px;">
                      <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border={0}
                        style={`border:1px solid ${EMAIL_COLORS.border};border-radius:6px;border-collapse:separate;`}>
                        {props.facts.map((f, i) => (
                          <tr>
                            <td style={`${FONT}padding:8px 12px;font-size:13px;color:${EMAIL_COLORS.muted};width:140px;vertical-align:top;${i ? `border-top:1px solid ${EMAIL_COLORS.border};` : ''}`}>{f.label}</td>
                            <td style={`${FONT}padding:8px 12px;font-size:14px;color:#1e293b;vertical-align:top;${i ? `border-top:1px solid ${EMAIL_COLORS.border};` : ''}`}>{f.value}</td>
                          </tr>
                        ))}
                      </table>
                    </td>
                  </tr>
                ) : null}
                {props.action ? (
                  <tr>
                    <td style="padding:16px 24px 24px 24px;">
                      <table role="presentation" cellpadding="0" cellspacing="0" border={0}>
                        <tr>
                          <td style={`background:${EMAIL_COLORS.teal};border-radius:6px;`}>
                            <a href={props.action.href}
                              style={`${FONT}display:inline-block;padding:10px 20px;font-size:14px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;`}>
                              {props.action.label}
                            </a>
                          </td>
                        </tr>
                      </table>
                      <p style={`${FONT}margin:12px 0 0 0;font-size:12px;color:${EMAIL_COLORS.muted};word-break:break-all;`}>
                        Or open this link: <a href={props.action.href} style={`color:${EMAIL_COLORS.teal};`}>{props.action.href}</a>
                      </p>
                    </td>
                  </tr>
                ) : <tr><td style="padding:8px;"></td></tr>}
                <tr>
                  <td style={`background:#f8fafc;border-top:1px solid ${EMAIL_COLORS.border};padding:14px 24px;`}>
                    <p style={`${FONT}margin:0;font-size:12px;color:${EMAIL_COLORS.muted};text-align:center;`}>D2C Telcare | D2C OPs Platform</p>
                  </td>
                </tr>
              </table>
            </td>
          </tr>
        </table>
      </body>
    </html>
  );
}

/** A paragraph of body text. */
export function EmailText(props: PropsWithChildren<{ muted?: boolean }>) {
  return (
    <p style={`${FONT}margin:0 0 12px 0;font-size:15px;line-height:22px;color:${props.muted ? EMAIL_COLORS.slate : '#1e293b'};white-space:pre-line;`}>
      {props.children}
    </p>
  );
}

/** A coloured pill, e.g. "Sev 2" or "resolved". */
export function EmailBadge(props: PropsWithChildren<{ color: string }>) {
  return (
    <span style={`${FONT}display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:700;color:#ffffff;background:${props.color};`}>
      {props.children}
    </span>
  );
}

const SEVERITY_COLORS: Record<number, string> = {
  1: EMAIL_COLORS.danger,
  2: EMAIL_COLORS.amber,
  3: '#0369a1',
  4: EMAIL_COLORS.slate,
};

export function EmailSeverityBadge(props: { severity: number }) {
  return <EmailBadge color={SEVERITY_COLORS[props.severity] ?? EMAIL_COLORS.slate}>Sev {props.severity}</EmailBadge>;
}
