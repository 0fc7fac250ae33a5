import type { Diagnosis, Fix } from '../../domain/diagnosis.js';
import type { Incident } from '../../store/index.js';

/** Adding A to B's job token allowlist. */
export type AllowlistFix = Extract<Fix, { kind: 'allowlist-add' }>;

/** The fixes the one-click flow can make: that, or a permission for an entry already there. */
export type OneClickFix = Extract<Fix, { kind: 'allowlist-add' | 'policies-add' }>;

/** What one pass over the approvals did. */
export interface OneClickReport {
  approvalsSeen: number;
  applied: number;
  refused: number;
  retried: number;
}

export function newOneClickReport(): OneClickReport {
  return { approvalsSeen: 0, applied: 0, refused: 0, retried: 0 };
}

/** The diagnosis stored with an incident. */
export function diagnosisOf(incident: Incident): Diagnosis | undefined {
  return (incident.diagnosis ?? undefined) as unknown as Diagnosis | undefined;
}

/** Records in an incident's trail what became of one approval. */
export type RecordApproval = (
  incident: Incident,
  status: string,
  extra?: Record<string, unknown>,
) => void;
