import * as z from 'zod';
import type { AuditFix } from '../domain/audit.js';
import type { StoreContext } from './context.js';
import { fromJson, toJson } from './json.js';
import { toIso, type Timestamp } from './time.js';

/**
 * `open`: waiting for a Maintainer; `accepted`: its entries were applied; `closed`: closed in
 * GitLab before anyone accepted it; `superseded`: a newer audit offers other entries there.
 */
export type AuditIssueStatus = 'open' | 'accepted' | 'closed' | 'superseded';

/** An issue the audit opened in a target project, with the entries it offers. */
export interface AuditIssue {
  id: number;
  projectId: number;
  projectPath: string;
  iid: number;
  webUrl: string;
  /** Exactly what an approval applies, whatever the issue's text says by then. */
  entries: AuditFix[];
  /** When GitLab created the issue: reactions older than this approve nothing. */
  openedAt: string;
  status: AuditIssueStatus;
}

export interface AuditIssueEvent {
  /** `shown`: the last failed outcome has been written into the issue's text. */
  kind: 'approval' | 'write' | 'outcome' | 'shown';
  /** Set on approvals (`award:<id>`): each is looked at once. */
  key?: string;
  actor?: string;
  status: string;
  detail: Record<string, unknown>;
  at: string;
}

export interface AuditIssueRepository {
  recordAuditIssue(input: Omit<AuditIssue, 'id' | 'status'>): AuditIssue;
  /** The newest issue opened in a target project, whatever became of it. */
  latestAuditIssue(projectId: number): AuditIssue | undefined;
  openAuditIssues(): AuditIssue[];
  setAuditIssueStatus(id: number, status: AuditIssueStatus): void;
  /** False when an event with this key was recorded before (nothing is written then). */
  recordAuditIssueEvent(issueId: number, event: Omit<AuditIssueEvent, 'at'>): boolean;
  /** Oldest first. */
  auditIssueEvents(issueId: number): AuditIssueEvent[];
  handledApprovals(issueId: number): Set<string>;
}

interface IssueRow {
  id: number;
  project_id: number;
  project_path: string;
  issue_iid: number;
  web_url: string;
  entries: string;
  opened_at: string;
  status: AuditIssueStatus;
}

interface EventRow {
  kind: AuditIssueEvent['kind'];
  key: string | null;
  actor: string | null;
  status: string;
  detail: string;
  created_at: string;
}

const Entries = z.array(
  z.object({
    entry: z.enum(['project', 'group']),
    add: z.string(),
    id: z.number(),
    call: z.string(),
    covers: z.array(z.string()),
  }),
);
const Detail = z.record(z.string(), z.unknown());

export function createAuditIssueRepository({ db, now, path }: StoreContext): AuditIssueRepository {
  const insert = db.prepare<[number, string, number, string, string, string, string], IssueRow>(
    `INSERT INTO audit_issues (project_id, project_path, issue_iid, web_url, entries, opened_at, status, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'open', ?) RETURNING *`,
  );
  const latestOf = db.prepare<[number], IssueRow>(
    'SELECT * FROM audit_issues WHERE project_id = ? ORDER BY id DESC LIMIT 1',
  );
  const allOpen = db.prepare<[], IssueRow>(
    "SELECT * FROM audit_issues WHERE status = 'open' ORDER BY id",
  );
  const setStatus = db.prepare<[string, string, number]>(
    'UPDATE audit_issues SET status = ?, updated_at = ? WHERE id = ?',
  );
  const insertEvent = db.prepare(
    `INSERT INTO audit_issue_events (issue_id, kind, key, actor, status, detail, created_at)
     VALUES (@issueId, @kind, @key, @actor, @status, @detail, @at)
     ON CONFLICT (issue_id, key) DO NOTHING`,
  );
  const events = db.prepare<[number], EventRow>(
    'SELECT * FROM audit_issue_events WHERE issue_id = ? ORDER BY id',
  );
  const keys = db.prepare<[number], { key: string }>(
    'SELECT key FROM audit_issue_events WHERE issue_id = ? AND key IS NOT NULL',
  );

  const toIssue = (row: IssueRow): AuditIssue => ({
    id: row.id,
    projectId: row.project_id,
    projectPath: row.project_path,
    iid: row.issue_iid,
    webUrl: row.web_url,
    entries: fromJson(Entries, row.entries, `audit issue ${row.id}`, path),
    openedAt: row.opened_at,
    status: row.status,
  });
  const stamp = (at?: Timestamp) => toIso(at ?? now());

  return {
    recordAuditIssue(input) {
      const row = insert.get(
        input.projectId,
        input.projectPath,
        input.iid,
        input.webUrl,
        toJson(input.entries),
        toIso(input.openedAt),
        stamp(),
      );
      if (!row) throw new Error('the audit issue was not recorded');
      return toIssue(row);
    },
    latestAuditIssue(projectId) {
      const row = latestOf.get(projectId);
      return row ? toIssue(row) : undefined;
    },
    openAuditIssues: () => allOpen.all().map(toIssue),
    setAuditIssueStatus(id, status) {
      setStatus.run(status, stamp(), id);
    },
    recordAuditIssueEvent(issueId, event) {
      const result = insertEvent.run({
        issueId,
        kind: event.kind,
        key: event.key ?? null,
        actor: event.actor ?? null,
        status: event.status,
        detail: toJson(event.detail),
        at: stamp(),
      });
      return result.changes > 0;
    },
    auditIssueEvents(issueId) {
      return events.all(issueId).map((row) => ({
        kind: row.kind,
        ...(row.key !== null ? { key: row.key } : {}),
        ...(row.actor !== null ? { actor: row.actor } : {}),
        status: row.status,
        detail: fromJson(Detail, row.detail, `audit issue ${issueId} event`, path),
        at: row.created_at,
      }));
    },
    handledApprovals: (issueId) => new Set(keys.all(issueId).map((r) => r.key)),
  };
}
