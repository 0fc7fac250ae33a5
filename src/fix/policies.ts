import { fact, type Fix } from '../domain/diagnosis.js';
import type { GitlabPort, JobTokenEntry } from '../gitlab/port.js';
import { writeFailure, type BeforeWrite, type WriteResult } from './allowlist.js';

type PoliciesFix = Extract<Fix, { kind: 'policies-add' }>;

/**
 * Adds the missing permissions to the entry of B's allowlist that lets A in
 * (GraphQL `ciJobTokenScopeUpdatePolicies`), after reading the entry again:
 * it may be gone, have the permission by now, or have others worth keeping.
 */
export async function addPolicies(
  gitlab: GitlabPort,
  fix: PoliciesFix,
  beforeWrite?: BeforeWrite,
): Promise<WriteResult> {
  return changePolicies(gitlab, fix, 'add', beforeWrite);
}

/** Takes back exactly the permissions the bot added, keeping the rest. */
export async function removePolicies(
  gitlab: GitlabPort,
  fix: PoliciesFix,
  beforeWrite?: BeforeWrite,
): Promise<WriteResult> {
  return changePolicies(gitlab, fix, 'remove', beforeWrite);
}

/**
 * Whether the entry grants every permission the fix adds, read from GitLab now (after a write
 * whose answer was lost). Throws what GitLab throws.
 */
export async function holdsPolicies(gitlab: GitlabPort, fix: PoliciesFix): Promise<boolean> {
  const entry = await findEntry(gitlab, fix);
  return entry !== undefined && grants(entry, fix.add);
}

async function findEntry(
  gitlab: GitlabPort,
  fix: PoliciesFix,
): Promise<(JobTokenEntry & { targetPath: string }) | undefined> {
  // GraphQL takes paths: B's own, as GitLab has it now (a note may name B only by its id).
  const targetPath = (await gitlab.getProject(fix.target.id)).pathWithNamespace;
  const entry = (await gitlab.listJobTokenEntries(targetPath)).find(
    (e) => e.kind === fix.entry.kind && e.path.toLowerCase() === fix.entry.path.toLowerCase(),
  );
  return entry && { ...entry, targetPath };
}

async function changePolicies(
  gitlab: GitlabPort,
  fix: PoliciesFix,
  op: 'add' | 'remove',
  beforeWrite: BeforeWrite | undefined,
): Promise<WriteResult> {
  try {
    const entry = await findEntry(gitlab, fix);
    if (!entry) {
      return {
        status: 'failed',
        reason: fact`${fix.entry.path} is no longer on the allowlist of ${fix.target.path}, so there is no entry to change.`,
      };
    }
    if (op === 'remove' && entry.defaultPermissions) {
      return {
        status: 'failed',
        reason: fact`The entry of ${fix.entry.path} has the default permissions now, set since by someone else; the bot leaves it as it is.`,
      };
    }
    if (op === 'add' && grants(entry, fix.add)) {
      return {
        status: 'already-present',
        detail: fact`The entry of ${fix.entry.path} on the allowlist of ${fix.target.path} grants ${fix.add.join(', ')} now.`,
      };
    }
    const policies =
      op === 'add'
        ? [...new Set([...entry.policies, ...fix.add])]
        : entry.policies.filter((p) => !fix.add.includes(p));
    beforeWrite?.({ via: 'graphql' });
    const answer = await gitlab.updateJobTokenPolicies(entry.targetPath, entry.path, {
      defaultPermissions: false,
      policies,
    });
    return { status: 'applied', answer, entry: fix.entry.kind, via: 'graphql' };
  } catch (error) {
    return writeFailure(error, fix.target.path, fix.entry.path);
  }
}

function grants(entry: JobTokenEntry, wanted: readonly string[]): boolean {
  return entry.defaultPermissions || wanted.every((p) => entry.policies.includes(p));
}
