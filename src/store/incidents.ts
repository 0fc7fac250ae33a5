import type BetterSqlite3 from 'better-sqlite3';
import * as z from 'zod';
import type { StoreContext } from './context.js';
import { fromJson, toJson } from './json.js';
import type { IncidentStatus } from '../domain/lifecycle.js';
import { toIso, type Timestamp } from './time.js';

export type { IncidentStatus };

/** The log line that showed the failure. */
export const Evidence = z.object({
  line: z.string(),
  lineNumber: z.number().int(),
  /** The CI log section the line was in (e.g. `prepare_executor`), if any. */
  section: z.string().nullable(),
  /** True when the runner wrote the line, before the user's script could print anything. */
  runnerPrefix: z.boolean(),
  runnerWritten: z.boolean().optional(),
});
export type Evidence = z.infer<typeof Evidence>;

/** One thing the resolver verified against GitLab. */
export const IncidentCheck = z.object({
  check: z.string(),
  result: z.string(),
  detail: z.string(),
  at: z.string(),
});
export type IncidentCheck = z.infer<typeof IncidentCheck>;

const Fields = z.record(z.string(), z.string());
const Checks = z.array(IncidentCheck);
const Diagnosis = z.record(z.string(), z.unknown());

/** One root cause (e.g. one missing allowlist entry), however many jobs it broke. */
export interface Incident {
  id: number;
  /** Groups occurrences, e.g. `allowlist-missing:target=31:source=88`. */
  rootCauseKey: string;
  patternId: string;
  verdict: string;
  status: IncidentStatus;
  /** When the status last changed (domain/lifecycle.ts). */
  statusSince: string;
  projectId: number;
  projectPath: string;
  targetProjectId: number | null;
  targetProjectPath: string | null;
  fields: Record<string, string>;
  evidence: Evidence | null;
  checks: IncidentCheck[];
  summary: string;
  /** How many distinct failed jobs showed it (see addOccurrence). */
  occurrences: number;
  /** The resolver's full diagnosis (JSON), for rendering notes again; null before it is known. */
  diagnosis: Record<string, unknown> | null;
  firstSeenAt: string;
  lastSeenAt: string;
  updatedAt: string;
}

export interface IncidentInput {
  rootCauseKey: string;
  patternId: string;
  verdict: string;
  /** Set on creation (default 'open'); on an existing incident only when given. */
  status?: IncidentStatus;
  projectId: number;
  projectPath: string;
  targetProjectId?: number | null;
  targetProjectPath?: string | null;
  fields?: Readonly<Record<string, string>>;
  evidence?: Evidence | null;
  checks?: readonly IncidentCheck[];
  summary: string;
  /** The full diagnosis to keep with it (replaced on every upsert that gives one). */
  diagnosis?: object;
  /** When the failure happened (pass the job's time); defaults to now. */
  seenAt?: Timestamp;
}

export interface IncidentFilter {
  /** Only incidents last seen at or after this time. */
  since?: Timestamp;
  patternId?: string;
  verdict?: string;
  status?: IncidentStatus;
  /** Matches the failing project or the target project (e.g. the one owning the image). */
  projectPath?: string;
  /** 1 to 1000, default 100. */
  limit?: number;
  offset?: number;
}

/** IncidentFilter plus free text, for the dashboard's search box. */
export interface IncidentSearch extends IncidentFilter {
  /**
   * Words that must all appear (case-insensitively, anywhere) in the summary, the pattern,
   * the verdict or either project path.
   */
  text?: string;
}

/** One page of a search and how many incidents match in all. */
export interface IncidentPage {
  incidents: Incident[];
  total: number;
}

export interface IncidentRepository {
  /**
   * Creates the incident for `rootCauseKey`, or updates the existing one: verdict, checks,
   * summary, fields and evidence are replaced, a newly known target is filled in, and the
   * seen-window widened. The id, first sighting, project and occurrence count are kept.
   */
  upsertIncident(input: IncidentInput): { incident: Incident; created: boolean };
  getIncident(id: number): Incident | undefined;
  findIncidentByKey(rootCauseKey: string): Incident | undefined;
  /** Newest first by last sighting. */
  listIncidents(filter?: IncidentFilter): Incident[];
  /** Like listIncidents, with free-text search and the total for paging. */
  searchIncidents(query: IncidentSearch): IncidentPage;
}

interface IncidentRow {
  id: number;
  root_cause_key: string;
  pattern_id: string;
  verdict: string;
  status: IncidentStatus;
  project_id: number;
  project_path: string;
  target_project_id: number | null;
  target_project_path: string | null;
  fields: string;
  evidence: string | null;
  checks: string;
  summary: string;
  occurrences: number;
  diagnosis: string | null;
  first_seen_at: string;
  last_seen_at: string;
  updated_at: string;
  status_since: string | null;
  reviewed_at: string | null;
}

type IncidentParams = Omit<IncidentRow, 'id' | 'occurrences' | 'status_since' | 'reviewed_at'>;

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
/** Bounds the SQL built for a search box (each word adds one clause). */
const MAX_SEARCH_WORDS = 8;
const MAX_WORD_LENGTH = 100;

/** A word as a LIKE pattern that matches it literally: `%` and `_` lose their meaning. */
function likeContains(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function searchWords(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(/\s+/)
    .filter((word) => word !== '')
    .slice(0, MAX_SEARCH_WORDS)
    .map((word) => word.slice(0, MAX_WORD_LENGTH));
}

function minIso(a: string, b: string): string {
  return a < b ? a : b;
}

function maxIso(a: string, b: string): string {
  return a > b ? a : b;
}

export function createIncidentRepository({ db, now, path }: StoreContext): IncidentRepository {
  const byId = db.prepare<[number], IncidentRow>('SELECT * FROM incidents WHERE id = ?');
  const byKey = db.prepare<[string], IncidentRow>(
    'SELECT * FROM incidents WHERE root_cause_key = ?',
  );
  const insert = db.prepare<IncidentParams, IncidentRow>(
    `INSERT INTO incidents (
       root_cause_key, pattern_id, verdict, status, project_id, project_path,
       target_project_id, target_project_path, fields, evidence, checks, summary, diagnosis,
       first_seen_at, last_seen_at, updated_at, status_since)
     VALUES (
       @root_cause_key, @pattern_id, @verdict, @status, @project_id, @project_path,
       @target_project_id, @target_project_path, @fields, @evidence, @checks, @summary, @diagnosis,
       @first_seen_at, @last_seen_at, @updated_at, @updated_at)
     RETURNING *`,
  );
  const update = db.prepare<IncidentParams, IncidentRow>(
    `UPDATE incidents SET
       verdict = @verdict, status = @status, target_project_id = @target_project_id,
       target_project_path = @target_project_path, fields = @fields, evidence = @evidence,
       checks = @checks, summary = @summary, diagnosis = @diagnosis, first_seen_at = @first_seen_at,
       last_seen_at = @last_seen_at, updated_at = @updated_at
     WHERE root_cause_key = @root_cause_key
     RETURNING *`,
  );
  // One prepared statement per combination of filters, built on first use.
  const listStatements = new Map<string, BetterSqlite3.Statement<unknown[], IncidentRow>>();

  function toIncident(row: IncidentRow): Incident {
    const where = `incident ${row.id}`;
    return {
      id: row.id,
      rootCauseKey: row.root_cause_key,
      patternId: row.pattern_id,
      verdict: row.verdict,
      status: row.status,
      statusSince: row.status_since ?? row.first_seen_at,
      projectId: row.project_id,
      projectPath: row.project_path,
      targetProjectId: row.target_project_id,
      targetProjectPath: row.target_project_path,
      fields: fromJson(Fields, row.fields, `${where} fields`, path),
      evidence:
        row.evidence === null ? null : fromJson(Evidence, row.evidence, `${where} evidence`, path),
      checks: fromJson(Checks, row.checks, `${where} checks`, path),
      summary: row.summary,
      occurrences: row.occurrences,
      diagnosis:
        row.diagnosis === null
          ? null
          : fromJson(Diagnosis, row.diagnosis, `${where} diagnosis`, path),
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
      updatedAt: row.updated_at,
    };
  }

  const upsert = db.transaction((input: IncidentInput) => {
    const at = toIso(now());
    const seenAt = input.seenAt === undefined ? at : toIso(input.seenAt);
    const existing = byKey.get(input.rootCauseKey);
    if (existing === undefined) {
      const row = insert.get({
        root_cause_key: input.rootCauseKey,
        pattern_id: input.patternId,
        verdict: input.verdict,
        status: input.status ?? 'open',
        project_id: input.projectId,
        project_path: input.projectPath,
        target_project_id: input.targetProjectId ?? null,
        target_project_path: input.targetProjectPath ?? null,
        fields: toJson(input.fields ?? {}),
        evidence: input.evidence == null ? null : toJson(input.evidence),
        checks: toJson(input.checks ?? []),
        summary: input.summary,
        diagnosis: input.diagnosis === undefined ? null : toJson(input.diagnosis),
        first_seen_at: seenAt,
        last_seen_at: seenAt,
        updated_at: at,
      });
      if (row === undefined) {
        throw new Error('INSERT ... RETURNING gave no row');
      }
      return { incident: toIncident(row), created: true };
    }
    const row = update.get({
      root_cause_key: existing.root_cause_key,
      pattern_id: existing.pattern_id,
      project_id: existing.project_id,
      project_path: existing.project_path,
      verdict: input.verdict,
      status: input.status ?? existing.status,
      target_project_id: input.targetProjectId ?? existing.target_project_id,
      target_project_path: input.targetProjectPath ?? existing.target_project_path,
      fields: input.fields === undefined ? existing.fields : toJson(input.fields),
      evidence: input.evidence == null ? existing.evidence : toJson(input.evidence),
      checks: input.checks === undefined ? existing.checks : toJson(input.checks),
      summary: input.summary,
      diagnosis: input.diagnosis === undefined ? existing.diagnosis : toJson(input.diagnosis),
      // Jobs can be processed out of order (queue retries), so widen rather than overwrite.
      first_seen_at: minIso(existing.first_seen_at, seenAt),
      last_seen_at: maxIso(existing.last_seen_at, seenAt),
      updated_at: at,
    });
    if (row === undefined) {
      throw new Error('UPDATE ... RETURNING gave no row');
    }
    return { incident: toIncident(row), created: false };
  });

  function listStatement(filter: IncidentFilter): BetterSqlite3.Statement<unknown[], IncidentRow> {
    const clauses: string[] = [];
    if (filter.since !== undefined) clauses.push('last_seen_at >= @since');
    if (filter.patternId !== undefined) clauses.push('pattern_id = @patternId');
    if (filter.verdict !== undefined) clauses.push('verdict = @verdict');
    if (filter.status !== undefined) clauses.push('status = @status');
    if (filter.projectPath !== undefined) {
      clauses.push('(project_path = @projectPath OR target_project_path = @projectPath)');
    }
    const sql = `SELECT * FROM incidents
      ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}
      ORDER BY last_seen_at DESC, id DESC
      LIMIT @limit OFFSET @offset`;
    let statement = listStatements.get(sql);
    if (statement === undefined) {
      statement = db.prepare<unknown[], IncidentRow>(sql);
      listStatements.set(sql, statement);
    }
    return statement;
  }

  // Search statements, one per combination of filters and number of words, built on first use.
  const searchStatements = new Map<
    string,
    {
      page: BetterSqlite3.Statement<unknown[], IncidentRow>;
      count: BetterSqlite3.Statement<unknown[], number>;
    }
  >();

  function searchStatement(query: IncidentSearch, words: number) {
    const clauses: string[] = [];
    if (query.since !== undefined) clauses.push('last_seen_at >= @since');
    if (query.patternId !== undefined) clauses.push('pattern_id = @patternId');
    if (query.verdict !== undefined) clauses.push('verdict = @verdict');
    if (query.status !== undefined) clauses.push('status = @status');
    if (query.projectPath !== undefined) {
      clauses.push('(project_path = @projectPath OR target_project_path = @projectPath)');
    }
    for (let w = 0; w < words; w++) {
      const columns = ['summary', 'pattern_id', 'verdict', 'project_path', 'target_project_path'];
      clauses.push(`(${columns.map((c) => `${c} LIKE @w${w} ESCAPE '\\'`).join(' OR ')})`);
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    let statements = searchStatements.get(where);
    if (statements === undefined) {
      statements = {
        page: db.prepare<unknown[], IncidentRow>(
          `SELECT * FROM incidents ${where}
           ORDER BY last_seen_at DESC, id DESC
           LIMIT @limit OFFSET @offset`,
        ),
        count: db.prepare<unknown[], number>(`SELECT count(*) FROM incidents ${where}`).pluck(),
      };
      searchStatements.set(where, statements);
    }
    return statements;
  }

  return {
    upsertIncident(input) {
      return upsert(input);
    },
    getIncident(id) {
      const row = byId.get(id);
      return row && toIncident(row);
    },
    findIncidentByKey(rootCauseKey) {
      const row = byKey.get(rootCauseKey);
      return row && toIncident(row);
    },
    listIncidents(filter = {}) {
      const limit = filter.limit ?? DEFAULT_LIMIT;
      const offset = filter.offset ?? 0;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new RangeError(`limit must be a whole number from 1 to ${MAX_LIMIT}, got ${limit}`);
      }
      if (!Number.isInteger(offset) || offset < 0) {
        throw new RangeError(`offset must be a whole number of 0 or more, got ${offset}`);
      }
      const params: Record<string, string | number> = { limit, offset };
      if (filter.since !== undefined) params.since = toIso(filter.since);
      if (filter.patternId !== undefined) params.patternId = filter.patternId;
      if (filter.verdict !== undefined) params.verdict = filter.verdict;
      if (filter.status !== undefined) params.status = filter.status;
      if (filter.projectPath !== undefined) params.projectPath = filter.projectPath;
      return listStatement(filter).all(params).map(toIncident);
    },
    searchIncidents(query) {
      const limit = query.limit ?? DEFAULT_LIMIT;
      const offset = query.offset ?? 0;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new RangeError(`limit must be a whole number from 1 to ${MAX_LIMIT}, got ${limit}`);
      }
      if (!Number.isInteger(offset) || offset < 0) {
        throw new RangeError(`offset must be a whole number of 0 or more, got ${offset}`);
      }
      const words = searchWords(query.text);
      const params: Record<string, string | number> = {};
      if (query.since !== undefined) params.since = toIso(query.since);
      if (query.patternId !== undefined) params.patternId = query.patternId;
      if (query.verdict !== undefined) params.verdict = query.verdict;
      if (query.status !== undefined) params.status = query.status;
      if (query.projectPath !== undefined) params.projectPath = query.projectPath;
      words.forEach((word, w) => {
        params[`w${w}`] = likeContains(word);
      });
      const statements = searchStatement(query, words.length);
      return {
        incidents: statements.page.all({ ...params, limit, offset }).map(toIncident),
        total: statements.count.get(params) ?? 0,
      };
    },
  };
}
