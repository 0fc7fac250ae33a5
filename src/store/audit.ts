import * as z from 'zod';
import type { AuditFinding, AuditProblem, AuditReport, AuditState } from '../domain/audit.js';
import type { StoreContext } from './context.js';
import { fromJson, toJson } from './json.js';
import { toIso } from './time.js';

/** Runs kept; older ones are removed when a new one is saved. */
const KEEP_RUNS = 20;

export interface AuditRepository {
  /** Keeps a report (and the last few before it); returns its run id. */
  saveAuditReport(report: AuditReport): number;
  /** The newest report, or undefined before the first audit. */
  latestAuditReport(): AuditReport | undefined;
  /** Findings of the newest report, by state. */
  auditStateCounts(): { state: AuditState; findings: number }[];
  /** When the newest report was made (ISO), or undefined before the first audit. */
  latestAuditAt(): string | undefined;
}

interface RunRow {
  id: number;
  at: string;
  gitlab_version: string | null;
  projects: number;
  requests: number;
  problems: string;
}

interface FindingRow {
  source: string;
  source_id: number;
  target: string;
  target_id: number | null;
  kind: AuditFinding['kind'];
  state: AuditState;
  reason: string;
  via: string;
  last_used: string | null;
  fix: string | null;
}

const Problems = z.array(z.object({ where: z.string(), message: z.string() }));
const Via = z.array(z.string());
const Fix = z.object({
  entry: z.enum(['project', 'group']),
  add: z.string(),
  id: z.number(),
  call: z.string(),
  covers: z.array(z.string()),
});

export function createAuditRepository({ db, path }: StoreContext): AuditRepository {
  const insertRun = db.prepare<[string, string | null, number, number, string]>(
    'INSERT INTO audit_runs (at, gitlab_version, projects, requests, problems) VALUES (?, ?, ?, ?, ?)',
  );
  const insertFinding = db.prepare(
    `INSERT INTO audit_findings (run_id, source, source_id, target, target_id, kind, state, reason, via, last_used, fix)
     VALUES (@runId, @source, @sourceId, @target, @targetId, @kind, @state, @reason, @via, @lastUsed, @fix)`,
  );
  const pruneRuns = db.prepare<[number]>(
    'DELETE FROM audit_runs WHERE id NOT IN (SELECT id FROM audit_runs ORDER BY id DESC LIMIT ?)',
  );
  const latestAt = db.prepare<[], { at: string }>(
    'SELECT at FROM audit_runs ORDER BY id DESC LIMIT 1',
  );
  const latestRun = db.prepare<[], RunRow>('SELECT * FROM audit_runs ORDER BY id DESC LIMIT 1');
  const findingsOf = db.prepare<[number], FindingRow>(
    'SELECT * FROM audit_findings WHERE run_id = ? ORDER BY rowid',
  );
  const counts = db.prepare<[], { state: AuditState; findings: number }>(
    `SELECT state, COUNT(*) AS findings FROM audit_findings
     WHERE run_id = (SELECT MAX(id) FROM audit_runs) GROUP BY state ORDER BY state`,
  );

  const save = db.transaction((report: AuditReport): number => {
    const runId = Number(
      insertRun.run(
        toIso(report.at),
        report.gitlabVersion ?? null,
        report.projects,
        report.requests,
        toJson(report.problems),
      ).lastInsertRowid,
    );
    for (const f of report.findings) {
      insertFinding.run({
        runId,
        source: f.source,
        sourceId: f.sourceId,
        target: f.target,
        targetId: f.targetId ?? null,
        kind: f.kind,
        state: f.state,
        reason: f.reason,
        via: toJson(f.via),
        lastUsed: f.lastUsed ?? null,
        fix: f.fix ? toJson(f.fix) : null,
      });
    }
    pruneRuns.run(KEEP_RUNS);
    return runId;
  });

  return {
    saveAuditReport: (report) => save(report),
    latestAuditReport() {
      const run = latestRun.get();
      if (!run) return undefined;
      const where = `audit run ${run.id}`;
      const problems: AuditProblem[] = fromJson(Problems, run.problems, where, path);
      const findings = findingsOf.all(run.id).map((row): AuditFinding => ({
        source: row.source,
        sourceId: row.source_id,
        target: row.target,
        ...(row.target_id !== null ? { targetId: row.target_id } : {}),
        kind: row.kind,
        state: row.state,
        reason: row.reason,
        via: fromJson(Via, row.via, where, path),
        ...(row.last_used ? { lastUsed: row.last_used } : {}),
        ...(row.fix ? { fix: fromJson(Fix, row.fix, where, path) } : {}),
      }));
      return {
        at: run.at,
        ...(run.gitlab_version ? { gitlabVersion: run.gitlab_version } : {}),
        projects: run.projects,
        requests: run.requests,
        findings,
        problems,
      };
    },
    auditStateCounts: () => counts.all(),
    latestAuditAt: () => latestAt.get()?.at,
  };
}
