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
