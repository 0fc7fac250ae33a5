import type { Diagnosis, Fix } from '../../domain/diagnosis.js';
import type { ThreadOnce } from '../../gitlab/note-thread.js';
import type { GitlabUser } from '../../gitlab/port.js';
import type { Incident, Note as StoredNote } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';

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

/**
 * One of the bot's notes whose approvals are acted on: its thread (read once, shared by the
 * fix approvals, the retry approvals and the feedback), where the counts go, and the incidents
 * whose notes the caller refreshes.
 */
export interface NoteApprovals {
  deps: PipelineDeps;
  bot: GitlabUser;
  note: StoredNote;
  thread: ThreadOnce;
  report: OneClickReport;
  changed: Set<number>;
}
