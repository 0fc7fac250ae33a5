/** How a job reaches another project with its job token. */
export type AuditKind = 'image' | 'artifacts' | 'submodule' | 'auth-log';

export const AUDIT_KINDS: readonly AuditKind[] = ['image', 'artifacts', 'submodule', 'auth-log'];

/**
 * `allowed`: the allowlist (or the target's visibility) lets it in; `denied`: refused now;
 * `denied-at-enforcement`: works only because the target's allowlist is off, and breaks once
 * it is enforced (18.0, or the admin setting); `unknown`: the bot may not read the allowlist.
 */
export type AuditState = 'allowed' | 'denied' | 'denied-at-enforcement' | 'unknown';

export const AUDIT_STATES: readonly AuditState[] = [
  'allowed',
  'denied',
  'denied-at-enforcement',
  'unknown',
];

/** The entry that fixes a finding, and the REST call that adds it. */
export interface AuditFix {
  entry: 'project' | 'group';
  /** Full path of the project or group to add. */
  add: string;
  /** Its numeric id. */
  id: number;
  /** e.g. `POST /api/v4/projects/205/job_token_scope/allowlist target_project_id=210`. */
  call: string;
  /** The sources this one entry lets in (several for a group entry). */
  covers: string[];
}

export interface AuditFinding {
  source: string;
  sourceId: number;
  target: string;
  /** Undefined when the bot cannot see the target project. */
  targetId?: number;
  kind: AuditKind;
  state: AuditState;
  /** Why that state, in a few words. */
  reason: string;
  /** What in the CI configuration (or the log) makes the job reach the target. */
  via: string[];
  /** When the target's authentication log last saw the source (17.6+). */
  lastUsed?: string;
  fix?: AuditFix;
}

export interface AuditProblem {
  /** A project path, or `GitLab` for instance-wide trouble. */
  where: string;
  message: string;
}

export interface AuditReport {
  /** When the audit ran (ISO). */
  at: string;
  gitlabVersion?: string;
  /** Projects whose CI configuration was read. */
  projects: number;
  /** GitLab API requests the audit made. */
  requests: number;
  findings: AuditFinding[];
  problems: AuditProblem[];
}
