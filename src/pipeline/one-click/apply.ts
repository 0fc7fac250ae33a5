import { addToAllowlist, removeFromAllowlist, type WriteResult } from '../../fix/allowlist.js';
import type { Approval } from '../../fix/approvals.js';
import { addPolicies, removePolicies } from '../../fix/policies.js';
import { ACTION, isWritten } from '../../fix/state.js';
import type { Incident } from '../../store/index.js';
import type { PipelineDeps } from '../deps.js';
import type { OneClickFix } from './types.js';

/** Makes the change an approval accepts (an allowlist entry, or an entry's permissions), and records it. */
export async function apply(
  deps: PipelineDeps,
  incident: Incident,
  fix: OneClickFix,
  approval: Approval,
) {
  const entry = approval.command === 'apply-group' ? 'group' : 'project';
  const result =
    fix.kind === 'policies-add'
      ? await addPolicies(deps.gitlab, fix)
      : await addToAllowlist(deps.gitlab, fix, entry);
  recordResult(deps, incident, fix, result, approval.username, 'add');
  return result;
}

/** Undoes the bot's own allowlist write, the way it was made. */
export async function revert(deps: PipelineDeps, incident: Incident, fix: OneClickFix) {
  const actions = deps.store.actions.listActions(incident.id);
  const added = [...actions]
    .reverse()
    .find((a) => a.kind === ACTION.write && a.detail.op === 'add' && isWritten(a.status));
  const approver = [...actions]
    .reverse()
    .find((a) => a.kind === ACTION.approval && a.status === 'allowed');
  const via = added?.detail.via === 'graphql' ? ('graphql' as const) : ('rest' as const);
  const entry =
    added?.detail.entry === 'group'
      ? { kind: 'group' as const, groupId: Number(added.detail.groupId), via }
      : { kind: 'project' as const, via };
  const result =
    fix.kind === 'policies-add'
      ? await removePolicies(deps.gitlab, fix)
      : await removeFromAllowlist(deps.gitlab, fix, entry);
  recordResult(deps, incident, fix, result, approver?.actor ?? '', 'remove');
  return result;
}

function recordResult(
  deps: PipelineDeps,
  incident: Incident,
  fix: OneClickFix,
  result: WriteResult,
  approvedBy: string,
  op: 'add' | 'remove',
) {
  const { store } = deps;
  const where = {
    op,
    target: fix.target.path,
    targetId: fix.target.id,
    ...(fix.kind === 'policies-add'
      ? { source: fix.entry.path, policies: fix.add }
      : { source: fix.source.path, sourceId: fix.source.id }),
    approvedBy,
  };
  if (result.status === 'applied') {
    store.actions.recordAction({
      incidentId: incident.id,
      kind: ACTION.write,
      status: result.answer.status,
      detail: {
        ...where,
        entry: result.entry,
        ...(result.groupId ? { groupId: result.groupId } : {}),
        ...(result.via ? { via: result.via } : {}),
      },
    });
    // A write held back (dry-run) changes nothing in GitLab, so nothing here either.
    if (result.answer.made) {
      store.lifecycle.moveIncident(incident.id, op === 'add' ? 'fixed-by-bot' : 'reverted', {
        approvedBy,
      });
      if (op === 'add') deps.metrics?.fixApplied();
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
  store.actions.recordAction({
    incidentId: incident.id,
    kind: result.httpStatus ? ACTION.write : ACTION.outcome,
    status: result.httpStatus ?? 'failed',
    detail: { ...where, reason: result.reason },
  });
  store.actions.recordAction({
    incidentId: incident.id,
    kind: ACTION.outcome,
    status: 'failed',
    detail: { reason: result.reason },
  });
}
