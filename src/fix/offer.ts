import { createHash } from 'node:crypto';
import type { Diagnosis } from '../domain/diagnosis.js';

/**
 * Whether a diagnosis earns a one-click offer: the bot may put a change in
 * front of B's Maintainers only when GitLab verified the cause, the evidence
 * is the runner's own wording while it prepared the job (nothing a git
 * server, the project or the script printed), and both sides of the change
 * come from the API: B is the project the diagnosis checked, A the job's own
 * project. Everything else gets the manual steps and no offer.
 */
export function isOfferable(d: Diagnosis | undefined): boolean {
  const fix = d?.fix;
  if (fix?.kind === 'policies-add') return isOfferablePolicies(d as Diagnosis);
  return (
    d !== undefined &&
    fix?.kind === 'allowlist-add' &&
    d.verdict === 'allowlist-missing' &&
    d.confidence === 'verified' &&
    d.evidence.runnerWritten === true &&
    d.target !== undefined &&
    fix.target.id === d.target.id &&
    fix.source.id === d.project.id
  );
}

/**
 * Adding a permission to an allowlist entry is offered from script output
 * (GitLab's 403 names it; no runner line ever does), within limits that keep
 * a forged line harmless: the API showed the entry exists and lacks exactly
 * what the line names, the entry is A's own or its group's, B is the
 * project the API resolved, and only read permissions are offered (write
 * permissions get the manual steps). Apply time reads the entry again.
 */
function isOfferablePolicies(d: Diagnosis): boolean {
  const fix = d.fix;
  return (
    fix?.kind === 'policies-add' &&
    d.verdict === 'permission-missing' &&
    d.target !== undefined &&
    fix.target.id === d.target.id &&
    d.checks.some((c) => c.check === 'permission' && c.result === 'fail') &&
    fix.add.length > 0 &&
    fix.add.every((p) => /^read_[a-z_]+$/.test(p)) &&
    (fix.entry.kind === 'group'
      ? d.project.path.toLowerCase().startsWith(`${fix.entry.path.toLowerCase()}/`)
      : fix.entry.path.toLowerCase() === d.project.path.toLowerCase())
  );
}

/** The offer a note shows for one incident, as recorded in its trail. */
export interface RecordedOffer {
  /** Which note (`merge_request:<iid>` or `commit:<sha>`). */
  target: string;
  /** What was offered: changes when the change or the way to choose it changes. */
  offer: string;
  /** When GitLab wrote the note version that made this offer. */
  offeredAt: string;
}

/**
 * What one offer is: the change (B, A), whether the note carries other
 * offers (then the approver must name the incident), and how many times the
 * change was reverted before (an offer made again after a revert is new). A
 * new hash is a new offer, and approvals of the old one no longer count.
 */
export function offerHash(
  entry: { incidentId: number; diagnosis: Diagnosis },
  offersOnNote: number,
  reverts: number,
): string {
  const fix = entry.diagnosis.fix;
  const change =
    fix?.kind === 'allowlist-add'
      ? `${fix.target.id}<-${fix.source.id}`
      : fix?.kind === 'policies-add'
        ? `${fix.target.id}<-${fix.entry.kind}:${fix.entry.path}+${fix.add.join(',')}`
        : '';
  const round = reverts > 0 ? `:${reverts}` : '';
  return createHash('sha256')
    .update(`${entry.incidentId}:${change}:${offersOnNote > 1 ? 'named' : 'single'}${round}`)
    .digest('hex')
    .slice(0, 16);
}

/** The newest offer recorded for a note. */
export function latestOffer(
  actions: readonly { kind: string; detail: Record<string, unknown> }[],
  target: string,
): RecordedOffer | undefined {
  for (const action of [...actions].reverse()) {
    const d = action.detail;
    if (action.kind === 'fix-offered' && d.target === target) {
      return {
        target,
        offer: typeof d.offer === 'string' ? d.offer : '',
        offeredAt: typeof d.offeredAt === 'string' ? d.offeredAt : '',
      };
    }
  }
  return undefined;
}

/**
 * An approval counts only for the offer it could have seen: given after
 * GitLab wrote that offer. A 👍 left on the note before the offer was added
 * (a "thanks", say) approves nothing.
 */
export function approvesOffer(approvalAt: string, offer: RecordedOffer | undefined): boolean {
  if (!offer?.offeredAt) return false;
  return Date.parse(approvalAt) >= Date.parse(offer.offeredAt);
}

/**
 * The one incident an approval is for. A reply may name it
 * (`@bot apply 12`); a bare reaction or reply counts only on a note with a
 * single open offer. Never more than one: one approval, one change.
 */
export function chosenIncident(
  named: number | undefined,
  open: readonly number[],
): { id: number } | { id?: undefined; why: 'not-on-note' | 'ambiguous' | 'none' } {
  if (named !== undefined) return open.includes(named) ? { id: named } : { why: 'not-on-note' };
  if (open.length === 1) return { id: open[0] as number };
  return { why: open.length === 0 ? 'none' : 'ambiguous' };
}
