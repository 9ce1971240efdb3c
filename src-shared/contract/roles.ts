import { z } from 'zod';

export const ROLES = ['admin', 'operator', 'incident_commander', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** Roles that may change org data. Auditors read and export only. */
export const WRITER_ROLES: readonly Role[] = ['admin', 'operator', 'incident_commander'];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  operator: 'Operator',
  incident_commander: 'Incident commander',
  auditor: 'Auditor',
};
