import type { Role } from '../src/db/schema.js';

/** The demo processes and accounts (DESIGN.md, Demo seed). The README lists the same. */
export const DEMO_PROCESSES = [
  { slug: 'ignite', name: 'Ignite' },
  { slug: 'sunking', name: 'Sunking' },
  { slug: 'rdg', name: 'RDG' },
  { slug: 'mobihive', name: 'MobiHive' },
  { slug: 'momo', name: 'Momo' },
  { slug: 'sanlam', name: 'Sanlam' },
  { slug: 'mba', name: 'MBA' },
  { slug: 'muzanu', name: 'Muzanu' },
] as const;

export const DEMO_TIMEZONE = 'Africa/Johannesburg';

export interface DemoAccount {
  label: string;
  email: string;
  password: string;
  role: Role;
  processSlug: string;
  name: string;
}

const PER_PROCESS: { role: Role; email: (slug: string) => string; password: string; title: string }[] = [
  { role: 'admin', email: (s) => `admin.${s}@d2ctelcare.com`, password: 'Admin@123', title: 'Admin' },
  { role: 'manager', email: (s) => `mgr.${s}@d2ctelcare.com`, password: 'Operator@123', title: 'Manager' },
  { role: 'operator', email: (s) => `ops.${s}@d2ctelcare.com`, password: 'Operator@123', title: 'Operator' },
  { role: 'client', email: (s) => `stakeholder@${s}.com`, password: 'Client@123', title: 'Client' },
  { role: 'viewer', email: (s) => `viewer.${s}@d2ctelcare.com`, password: 'Viewer@123', title: 'Viewer' },
];

export const DEMO_ACCOUNTS: DemoAccount[] = [
  { label: 'Super Admin', email: 'admin@d2ctelcare.com', password: 'Admin@D2C2026', role: 'super_admin', processSlug: 'ignite', name: 'Platform Super Admin' },
  ...DEMO_PROCESSES.flatMap((p) => PER_PROCESS.map((r) => ({
    label: `${p.name} ${r.title}`,
    email: r.email(p.slug),
    password: r.password,
    role: r.role,
    processSlug: p.slug,
    name: `${p.name} ${r.title}`,
  }))),
];
