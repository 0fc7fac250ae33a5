import type { Fix } from '../domain/diagnosis.js';
import { code } from './markdown.js';

type PoliciesFix = Extract<Fix, { kind: 'policies-add' }>;

/** Who the entry is for, as the note says it. */
export function entryName(fix: PoliciesFix): string {
  return fix.entry.kind === 'group' ? `the group ${code(fix.entry.path)}` : code(fix.entry.path);
}

/**
 * The manual steps: add the named permissions to the existing entry (not a
 * new entry), in the UI or with GraphQL `ciJobTokenScopeUpdatePolicies`. The
 * entry's other permissions are B's to see, so the note names only the
 * missing ones.
 */
export function policiesFix(fix: PoliciesFix): string {
  const target = code(fix.target.path);
  const add = fix.add.map((p) => code(p)).join(', ');
  const enums = fix.add.map((p) => p.toUpperCase()).join(', ');
  return [
    `Only a Maintainer or Owner of ${target} can change this. ${entryName(fix)} is already on its CI/CD job token allowlist, with fine-grained permissions that do not include ${add}; adding the project again does not help. They add the permission to that entry:`,
    '',
    `1. In ${target}, go to **Settings → CI/CD → Job token permissions**.`,
    `2. In **CI/CD job token allowlist**, edit the permissions of ${entryName(fix)} and add ${add} (or give the entry the default permissions).`,
    '3. Retry the failed job.',
    '',
    'Or with the GraphQL API (GitLab 18.3 and later); `jobTokenPolicies` replaces the whole list, so keep the permissions the entry has now:',
    '',
    '```graphql',
    `mutation { ciJobTokenScopeUpdatePolicies(input: { projectPath: ${JSON.stringify(fix.target.path)}, targetPath: ${JSON.stringify(fix.entry.path)}, defaultPermissions: false, jobTokenPolicies: [${enums}, …the permissions it has now] }) { errors } }`,
    '```',
  ].join('\n');
}
