import { fact } from '../../domain/diagnosis.js';
import type { PipelineDeps } from '../deps.js';
import { recordWrite } from './record-write.js';
import { retryAffectedJobs } from './retry.js';
import { diagnosisOf, type OneClickFix, type OneClickReport } from './types.js';
import { holdsChange, intentFits, reconcile } from './write-intent.js';

/**
 * Settles the writes a crash or a lost answer left pending: the allowlist (or the entry's
 * permissions) is read again, a change found there is recorded as the bot's and its jobs are retried; a change not made is
 * tried once more, or reported as not applied after the last try. Runs before new approvals,
 * so a second approval of the same offer finds the fix already recorded.
 */
export async function settlePendingWrites(
  deps: PipelineDeps,
  report: OneClickReport,
  changed: Set<number>,
): Promise<void> {
  const { store } = deps;
  for (const intent of store.writeIntents.listPending()) {
    const incident = store.incidents.getIncident(intent.incidentId);
    const fix = incident ? (diagnosisOf(incident)?.fix as OneClickFix | undefined) : undefined;
    if (!incident) {
      store.writeIntents.settleIntent(intent.id, 'failed');
      continue;
    }
    if (!intentFits(intent, fix)) {
      recordWrite(deps, incident, intent, {
        status: 'failed',
        reason: fact`The diagnosis of incident ${incident.id} no longer offers this change.`,
      });
      changed.add(incident.id);
      continue;
    }
    const outcome = await reconcile(deps, incident, fix, intent.id);
    if (outcome.status === 'unknown') continue;
    changed.add(incident.id);
    if ((outcome.status === 'applied' || outcome.status === 'confirmed') && intent.op === 'add') {
      report.applied += 1;
    }
    if (intent.op === 'add' && holdsChange(outcome)) {
      report.retried += await retryAffectedJobs(deps, incident);
    }
  }
}
