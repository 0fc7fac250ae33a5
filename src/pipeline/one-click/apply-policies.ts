import type { WriteResult } from '../../fix/allowlist.js';
import { addPolicies, removePolicies } from '../../fix/policies.js';
import { ACTION } from '../../fix/state.js';
import type { Incident } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import type { OneClickFix } from './types.js';

type PoliciesFix = Extract<OneClickFix, { kind: 'policies-add' }>;

/**
 * Grants the permissions an allowlist entry lacks, and records the write. Setting an entry's
 * policies is idempotent, so a try whose answer was lost is simply made again on the next
 * approval; no write intent is kept for it.
 */
export async function applyPolicies(
  deps: PipelineDeps,
  incident: Incident,
  fix: PoliciesFix,
  approvedBy: string,
): Promise<WriteResult> {
  const result = await addPolicies(deps.gitlab, fix);
  recordPolicies(deps, incident, fix, result, approvedBy, 'add');
  return result;
}

/** Takes back the permissions the bot granted. */
export async function revertPolicies(
  deps: PipelineDeps,
  incident: Incident,
  fix: PoliciesFix,
  approvedBy: string,
): Promise<WriteResult> {
  const result = await removePolicies(deps.gitlab, fix);
  recordPolicies(deps, incident, fix, result, approvedBy, 'remove');
  return result;
}

function recordPolicies(
  deps: PipelineDeps,
  incident: Incident,
  fix: PoliciesFix,
  result: WriteResult,
  approvedBy: string,
  op: 'add' | 'remove',
) {
  const { store } = deps;
  const where = {
    op,
    target: fix.target.path,
    targetId: fix.target.id,
    source: fix.entry.path,
    policies: fix.add,
    approvedBy,
  };
  store.transaction(() => {
    if (result.status === 'applied') {
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.write,
        status: result.answer.status,
        detail: { ...where, entry: result.entry, ...(result.via ? { via: result.via } : {}) },
      });
      // A write held back (dry-run) changes nothing in GitLab, so nothing here either.
      if (result.answer.made) {
        store.lifecycle.moveIncident(incident.id, op === 'add' ? 'fixed-by-bot' : 'reverted', {
          approvedBy,
        });
      }
      return;
    }
    if (result.status === 'already-present') {
      store.actions.recordAction({
        incidentId: incident.id,
        kind: ACTION.outcome,
        status: 'fixed-by-hand',
        detail: { ...where, detail: result.detail },
      });
      store.lifecycle.moveIncident(incident.id, 'fixed-by-hand', { seen: 'allowlist' });
      return;
    }
    const httpStatus = result.status === 'failed' ? result.httpStatus : undefined;
    store.actions.recordAction({
      incidentId: incident.id,
      kind: httpStatus ? ACTION.write : ACTION.outcome,
      status: httpStatus ?? 'failed',
      detail: { ...where, reason: result.reason },
    });
    store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.outcome,
      status: 'failed',
      detail: { reason: result.reason },
    });
  });
  if (result.status === 'applied' && result.answer.made && op === 'add') deps.metrics?.fixApplied();
}
