import type { StoreContext } from './context.js';
import { toIso, type Timestamp } from './time.js';

/** One failed job that showed an incident. */
export interface Occurrence {
  id: number;
  incidentId: number;
  projectId: number;
  pipelineId: number;
  jobId: number;
  jobName: string;
  jobUrl: string;
  pipelineUrl: string;
  ref: string;
  sha: string;
  mrIid: number | null;
  failedAt: string;
  recordedAt: string;
}

/** An occurrence to record: the store gives its id and time recorded. */
export type OccurrenceInput = Omit<Occurrence, 'id' | 'mrIid' | 'failedAt' | 'recordedAt'> & {
  mrIid?: number | null;
  failedAt: Timestamp;
};

export interface OccurrenceRepository {
  /**
   * Records the job once: adding the same job again changes nothing and returns the
   * stored row with `created: false`. A new job bumps its incident's `occurrences` and
   * widens its seen-window to the job's failure time.
   */
  addOccurrence(input: OccurrenceInput): { occurrence: Occurrence; created: boolean };
  /** Newest failure first. */
  listOccurrences(incidentId: number): Occurrence[];
  findOccurrenceByJob(jobId: number): Occurrence | undefined;
  /** The occurrences on one merge request, or on one commit outside any merge request; newest first. */
  listOccurrencesForTarget(
    projectId: number,
    target: { mrIid: number } | { sha: string },
  ): Occurrence[];
}

interface OccurrenceRow {
  id: number;
  incident_id: number;
  project_id: number;
  pipeline_id: number;
  job_id: number;
  job_name: string;
  job_url: string;
  pipeline_url: string;
  ref: string;
  sha: string;
  mr_iid: number | null;
  failed_at: string;
  recorded_at: string;
}

function toOccurrence(row: OccurrenceRow): Occurrence {
  return {
    id: row.id,
    incidentId: row.incident_id,
    projectId: row.project_id,
    pipelineId: row.pipeline_id,
    jobId: row.job_id,
    jobName: row.job_name,
    jobUrl: row.job_url,
    pipelineUrl: row.pipeline_url,
    ref: row.ref,
    sha: row.sha,
    mrIid: row.mr_iid,
    failedAt: row.failed_at,
    recordedAt: row.recorded_at,
  };
}

export function createOccurrenceRepository({ db, now }: StoreContext): OccurrenceRepository {
  const insert = db.prepare<Omit<OccurrenceRow, 'id'>, OccurrenceRow>(
    `INSERT INTO occurrences (
       incident_id, project_id, pipeline_id, job_id, job_name, job_url, pipeline_url,
       ref, sha, mr_iid, failed_at, recorded_at)
     VALUES (
       @incident_id, @project_id, @pipeline_id, @job_id, @job_name, @job_url, @pipeline_url,
       @ref, @sha, @mr_iid, @failed_at, @recorded_at)
     ON CONFLICT (job_id) DO NOTHING
     RETURNING *`,
  );
  const bump = db.prepare<[string, string, string, number]>(
    `UPDATE incidents SET
       occurrences = occurrences + 1,
       first_seen_at = min(first_seen_at, ?),
       last_seen_at = max(last_seen_at, ?),
       updated_at = ?
     WHERE id = ?`,
  );
  const byJob = db.prepare<[number], OccurrenceRow>('SELECT * FROM occurrences WHERE job_id = ?');
  const byIncident = db.prepare<[number], OccurrenceRow>(
    'SELECT * FROM occurrences WHERE incident_id = ? ORDER BY failed_at DESC, id DESC',
  );

  const byMergeRequest = db.prepare<[number, number], OccurrenceRow>(
    'SELECT * FROM occurrences WHERE project_id = ? AND mr_iid = ? ORDER BY failed_at DESC, id DESC',
  );
  const byCommit = db.prepare<[number, string], OccurrenceRow>(
    'SELECT * FROM occurrences WHERE project_id = ? AND sha = ? AND mr_iid IS NULL ORDER BY failed_at DESC, id DESC',
  );

  const add = db.transaction((input: OccurrenceInput) => {
    const at = toIso(now());
    const failedAt = toIso(input.failedAt);
    const row = insert.get({
      incident_id: input.incidentId,
      project_id: input.projectId,
      pipeline_id: input.pipelineId,
      job_id: input.jobId,
      job_name: input.jobName,
      job_url: input.jobUrl,
      pipeline_url: input.pipelineUrl,
      ref: input.ref,
      sha: input.sha,
      mr_iid: input.mrIid ?? null,
      failed_at: failedAt,
      recorded_at: at,
    });
    if (row !== undefined) {
      bump.run(failedAt, failedAt, at, input.incidentId);
      return { occurrence: toOccurrence(row), created: true };
    }
    const existing = byJob.get(input.jobId);
    if (existing === undefined) {
      throw new Error(`occurrence for job ${input.jobId} was neither inserted nor found`);
    }
    return { occurrence: toOccurrence(existing), created: false };
  });

  return {
    addOccurrence(input) {
      return add(input);
    },
    listOccurrences(incidentId) {
      return byIncident.all(incidentId).map(toOccurrence);
    },
    listOccurrencesForTarget(projectId, target) {
      const rows =
        'mrIid' in target
          ? byMergeRequest.all(projectId, target.mrIid)
          : byCommit.all(projectId, target.sha);
      return rows.map(toOccurrence);
    },
    findOccurrenceByJob(jobId) {
      const row = byJob.get(jobId);
      return row && toOccurrence(row);
    },
  };
}
