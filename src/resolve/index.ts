import type { Diagnosis } from '../domain/diagnosis.js';
import { resolveApiAccess } from './api-access.js';
import { resolveArtifactsAccess } from './artifacts-access.js';
import { blameOf, evidenceOf } from './common.js';
import { resolvePackageAccess } from './package-access.js';
import { resolvePolicyAccess } from './policy-access.js';
import { resolveRegistryAccess } from './registry-access.js';
import { resolveRepoAccess } from './repo-access.js';
import type { ResolveInput } from './types.js';

export type { ResolveInput } from './types.js';

/**
 * Runs the pattern's resolver. Patterns without one (or whose resolver is
 * not built yet) are reported from the log alone, keyed by project and job
 * name so the same failure in many pipelines is one incident.
 */
export async function resolve(input: ResolveInput): Promise<Diagnosis> {
  switch (input.pattern.resolver) {
    case 'registry-access':
      return resolveRegistryAccess(input);
    case 'repo-access':
      return resolveRepoAccess(input);
    case 'package-access':
      return resolvePackageAccess(input);
    case 'artifacts-access':
      return resolveArtifactsAccess(input);
    case 'api-access':
      return resolveApiAccess(input);
    case 'job-token-policies':
      return resolvePolicyAccess(input);
    default:
      return logOnly(input);
  }
}

export async function logOnly(input: ResolveInput): Promise<Diagnosis> {
  const { pattern, match, job } = input;
  const project = await input.gitlab.getProject(job.pipeline.projectId);
  return {
    patternId: pattern.id,
    title: pattern.title,
    summary: pattern.summary,
    ...(pattern.fix ? { advice: pattern.fix } : {}),
    category: pattern.category,
    ...blameOf(pattern),
    verdict: 'log-only',
    confidence: 'suspected',
    evidence: evidenceOf(match),
    fields: match.fields,
    checks: [],
    project: { id: project.id, path: project.pathWithNamespace, webUrl: project.webUrl },
    rootCauseKey: `${pattern.id}:${project.id}:${job.name}`,
    ...(input.gitlabVersion ? { gitlabVersion: input.gitlabVersion } : {}),
  };
}
