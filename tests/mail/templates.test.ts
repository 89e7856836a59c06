import { describe, expect, it } from 'vitest';
import { downtimeEmail, genericEmail, incidentEmail, type IncidentEmailData } from '../../src/mail/templates.js';

const APP = 'https://ops.example.com';

function incidentData(over: Partial<IncidentEmailData['incident']> = {}, extra: Partial<IncidentEmailData> = {}): IncidentEmailData {
  return {
    appUrl: APP,
    incident: {
      id: 42,
      title: 'Payment Gateway Down',
      severity: 2,
      status: 'open',
      description: 'Card payments fail with a timeout.',
      opened_at: new Date('2026-05-09T08:00:00.000Z'),
      resolved_at: null,
      ...over,
    },
    processName: 'Momo',
    processTimezone: 'Africa/Johannesburg',
    assigneeName: 'Momo Manager',
    actorName: 'Momo Operator',
    ...extra,
  };
}

describe('email templates', () => {
  it('escapes user text in the HTML and keeps the subject on one line', () => {
    const mail = incidentEmail('created', incidentData({
      title: '<script>alert("x")</script>\r\nBcc: evil@example.com',
      description: '<img src=x onerror=alert(1)>',
    }, { assigneeName: '<b>Bob</b>', processName: 'A & B' }));
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).not.toContain('<b>Bob</b>');
    expect(mail.html).toContain('A &amp; B');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toBe('[Sev 2] New incident: <script>alert("x")</script> Bcc: evil@example.com');
    expect(mail.html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('has the D2C OPs header, a button link into the app, the footer and a text part', () => {
    const mail = incidentEmail('created', incidentData());
    expect(mail.html).toContain('#042C53');
    expect(mail.html).toContain('D2C OPs');
    expect(mail.html).toContain(`href="${APP}/incidents/42"`);
    expect(mail.html).toContain('D2C Telcare | D2C OPs Platform');
    expect(mail.html).not.toMatch(/<link|<style|class="/);
    expect(mail.text).toContain('New incident: Payment Gateway Down');
    expect(mail.text).toContain(`${APP}/incidents/42`);
    expect(mail.text).toContain('Card payments fail with a timeout.');
    expect(mail.text).toContain('D2C Telcare | D2C OPs Platform');
    expect(mail.text).not.toContain('<');
  });

  it('gives each incident event its subject', () => {
    const d = incidentData();
    expect(incidentEmail('created', d).subject).toBe('[Sev 2] New incident: Payment Gateway Down');
    expect(incidentEmail('assigned', d).subject).toBe('[Sev 2] Assigned to you: Payment Gateway Down');
    expect(incidentEmail('in_progress', d).subject).toBe('[Sev 2] In progress: Payment Gateway Down');
    expect(incidentEmail('unattended', { ...d, ageText: '35m' }).subject).toBe('[Sev 2] Unattended for 30+ minutes: Payment Gateway Down');
    expect(incidentEmail('unattended', { ...d, ageText: '35m' }).text).toContain('35m');
  });

  it('says "resolved in 17m" with the severity badge and the assignee (Figure 7.1)', () => {
    const mail = incidentEmail('resolved', incidentData({
      status: 'resolved', resolved_at: new Date('2026-05-09T08:17:30.000Z'),
    }));
    expect(mail.subject).toBe('[Sev 2] Resolved: Payment Gateway Down (resolved in 17m)');
    expect(mail.html).toContain('resolved in 17m');
    expect(mail.html).toContain('Sev 2');
    expect(mail.html).toContain('Momo Manager');
    expect(mail.text).toContain('resolved in 17m');
    expect(mail.text).toContain('Momo Manager');
    // An explicit duration wins.
    expect(incidentEmail('resolved', { ...incidentData({ status: 'resolved' }), durationText: '2h 5m' }).subject)
      .toBe('[Sev 2] Resolved: Payment Gateway Down (resolved in 2h 5m)');
  });

  it('shows downtime in the process time zone and never a negative duration', () => {
    const base = {
      appUrl: APP,
      downtime: {
        id: 7,
        started_at: new Date('2026-05-09T08:00:00.000Z'),
        ended_at: null as Date | null,
        services_affected: ['Payments API', 'USSD'],
        impact_level: 'high',
        notes: 'Upstream <provider> outage',
      },
      processName: 'Momo',
      processTimezone: 'Africa/Johannesburg',
      actorName: 'Momo Operator',
      incidentTitle: null,
    };
    const reported = downtimeEmail('reported', base);
    expect(reported.subject).toBe('Downtime reported: Payments API, USSD (high impact)');
    expect(reported.html).toContain('10:00');
    expect(reported.html).toContain('Africa/Johannesburg');
    expect(reported.html).toContain(`href="${APP}/downtime#downtime-7"`);
    expect(reported.html).toContain('Upstream &lt;provider&gt; outage');
    expect(reported.text).toContain('Africa/Johannesburg');

    const resolved = downtimeEmail('resolved', { ...base, downtime: { ...base.downtime, ended_at: new Date('2026-05-09T10:00:00.000Z') } });
    expect(resolved.subject).toBe('Downtime resolved: Payments API, USSD after 2h 0m');
    expect(resolved.text).toContain('12:00');
    expect(resolved.text).not.toMatch(/-\d+\s*[hm]/);
  });

  it('renders a generic email with an app link', () => {
    const mail = genericEmail({
      appUrl: APP, subject: 'Handover waiting', heading: 'A <handover> for you', lines: ['Line one', 'Line & two'],
      link: { href: '/handovers', label: 'Open handovers' },
    });
    expect(mail.subject).toBe('Handover waiting');
    expect(mail.html).toContain('A &lt;handover&gt; for you');
    expect(mail.html).toContain(`href="${APP}/handovers"`);
    expect(mail.text).toContain('Line & two');
    expect(mail.text).toContain(`Open handovers: ${APP}/handovers`);
  });
});
