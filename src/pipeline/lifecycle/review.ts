import type { LifecycleEvent } from '../../domain/lifecycle.js';
import {
  GitlabAuthError,
  GitlabNotFoundError,
  GitlabTransientError,
  errorMessage,
} from '../../errors.js';
import type { GitlabPort, GitlabUser } from '../../gitlab/port.js';
import { checkJobTokenScope } from '../../resolve/job-token-checks.js';
import {
  isStoreFailure,
  type Incident,
  type Occurrence,
  type Transition,
} from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import { ACTION } from '../../fix/state.js';
import { diagnosisOf } from '../one-click/types.js';
import { refreshNotes } from '../publish/note.js';

export interface ReviewSettings {
  /** An incident with no new failure for this long is closed. */
  closeAfterMs: number;
  /** How often one incident is looked at again. */
  reviewEveryMs: number;
  /** Incidents looked at per cycle at most (each costs a few GitLab reads). */
  maxPerCycle: number;
}

export const DEFAULT_REVIEW: Omit<ReviewSettings, 'closeAfterMs'> = {
  reviewEveryMs: 10 * 60_000,
  maxPerCycle: 20,
};

export interface ReviewReport {
  reviewed: number;
  moved: Transition[];
}

/** Pipelines of an incident whose jobs are read for a passing retry, newest first. */
const PIPELINES_CHECKED = 5;

type Why = { event: LifecycleEvent; why: Record<string, unknown> };

/**
 * Looks again at the incidents that have not ended, a few per cycle, and moves each as
 * GitLab now shows it (domain/lifecycle.ts): closed when it stayed quiet or every merge
 * request it failed on was merged or closed, an error when its project is gone or hidden,
 * fixed by hand when the missing entry is there now or a failed job passed on a retry.
 * Notes that show a newly fixed incident are edited.
 */
export async function reviewIncidents(
  deps: PipelineDeps,
  bot: GitlabUser,
  settings: ReviewSettings,
): Promise<ReviewReport> {
  const { store, now, logger } = deps;
  const report: ReviewReport = { reviewed: 0, moved: [] };
  const due = store.lifecycle.dueForReview(
    new Date(now().getTime() - settings.reviewEveryMs),
    settings.maxPerCycle,
  );
  for (const id of due) {
    const incident = store.incidents.getIncident(id);
    if (!incident) continue;
    try {
      const found = await review(deps, incident, settings);
      const moved = found && store.lifecycle.moveIncident(id, found.event, found.why);
      if (moved) report.moved.push(moved);
    } catch (error) {
      // An outage: the incident is looked at again once GitLab answers.
      if (error instanceof GitlabTransientError || isStoreFailure(error)) throw error;
      logger.warn({ incidentId: id, err: errorMessage(error) }, 'incident review failed');
    }
    store.lifecycle.markReviewed(id);
    report.reviewed += 1;
  }
  const fixed = report.moved.filter((t) => t.to === 'fixed').map((t) => t.incidentId);
  if (fixed.length > 0) await refreshNotes(deps, fixed, bot);
  return report;
}

async function review(
  deps: PipelineDeps,
  incident: Incident,
  settings: ReviewSettings,
): Promise<Why | undefined> {
  const { gitlab, store, now } = deps;
  if (now().getTime() - Date.parse(incident.lastSeenAt) >= settings.closeAfterMs) {
    return { event: 'quiet', why: { lastSeenAt: incident.lastSeenAt } };
  }
  if (incident.status === 'error') return undefined;
  const lost = await accessLost(gitlab, incident);
  if (lost) return { event: 'lost-access', why: lost };
  const occurrences = store.occurrences.listOccurrences(incident.id);
  const ended = await mergeRequestsEnded(gitlab, occurrences);
  if (ended) return { event: 'merge-requests-ended', why: { mergeRequests: ended } };
  if (incident.status !== 'open') return undefined;
  // The bot's own retries passed on its fix; after a revert they say nothing about now.
  const botRetries = new Set(
    store.actions
      .listActions(incident.id)
      .filter((a) => a.kind === ACTION.retry)
      .map((a) => a.detail.newJobId),
  );
  const fixed =
    (await onAllowlist(gitlab, incident)) ?? (await passedOnRetry(gitlab, occurrences, botRetries));
  return fixed && { event: 'fixed-by-hand', why: fixed };
}

/** The projects the incident is about, read again: gone or hidden means it cannot be checked. */
async function accessLost(gitlab: GitlabPort, incident: Incident) {
  const projects = [incident.projectId, incident.targetProjectId].filter(
    (id): id is number => id !== null,
  );
  for (const projectId of projects) {
    try {
      await gitlab.getProject(projectId);
    } catch (error) {
      if (error instanceof GitlabNotFoundError) {
        return { projectId, reason: 'the project was deleted, or the bot can no longer see it' };
      }
      if (error instanceof GitlabAuthError) {
        return { projectId, reason: `GitLab refused the bot: ${error.message}` };
      }
      throw error;
    }
  }
  return undefined;
}

/** Every merge request the incident failed on, when all were merged or closed (or deleted). */
async function mergeRequestsEnded(gitlab: GitlabPort, occurrences: readonly Occurrence[]) {
  // A failure outside any merge request (a branch pipeline) only ends by staying quiet.
  if (occurrences.length === 0 || occurrences.some((o) => o.mrIid === null)) return undefined;
  const seen = new Map<string, { projectId: number; iid: number; state: string }>();
  for (const o of occurrences) {
    const key = `${o.projectId}!${o.mrIid}`;
    if (seen.has(key)) continue;
    const iid = o.mrIid as number;
    let state: string;
    try {
      state = (await gitlab.getMergeRequest(o.projectId, iid)).state;
    } catch (error) {
      if (!(error instanceof GitlabNotFoundError)) throw error;
      state = 'deleted';
    }
    if (state !== 'merged' && state !== 'closed' && state !== 'deleted') return undefined;
    seen.set(key, { projectId: o.projectId, iid, state });
  }
  return [...seen.values()];
}

/** The missing allowlist entry is there now (or the allowlist was turned off). */
async function onAllowlist(gitlab: GitlabPort, incident: Incident) {
  const fix = diagnosisOf(incident)?.fix;
  if (fix?.kind !== 'allowlist-add') return undefined;
  const a = await gitlab.getProject(fix.source.id);
  const b = await gitlab.getProject(fix.target.id);
  const result = await checkJobTokenScope(gitlab, a, b, () => undefined, b.pathWithNamespace);
  return result === 'pass' ? { seen: 'allowlist' } : undefined;
}

/** A failed job of the incident that passed when someone (not the bot) ran it again. */
async function passedOnRetry(
  gitlab: GitlabPort,
  occurrences: readonly Occurrence[],
  botRetries: ReadonlySet<unknown>,
) {
  const pipelines = [...new Set(occurrences.map((o) => `${o.projectId}:${o.pipelineId}`))].slice(
    0,
    PIPELINES_CHECKED,
  );
  for (const key of pipelines) {
    const [projectId, pipelineId] = key.split(':').map(Number) as [number, number];
    const failed = occurrences.filter((o) => o.pipelineId === pipelineId);
    const jobs = await gitlab.listPipelineJobs(projectId, pipelineId);
    for (const o of failed) {
      const retry = jobs.find(
        (j) => j.name === o.jobName && j.id > o.jobId && !botRetries.has(j.id),
      );
      if (retry?.status === 'success') {
        return { seen: 'retry-passed', jobId: retry.id, jobName: retry.name, jobUrl: retry.webUrl };
      }
    }
  }
  return undefined;
}
