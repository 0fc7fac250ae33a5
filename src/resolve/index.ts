import type { Diagnosis } from '../domain/diagnosis.js';
import { evidenceOf, resolveRegistryAccess } from './registry-access.js';
import type { ResolveInput } from './types.js';

export type { ResolveInput } from './types.js';

/**
 * Runs the pattern's resolver. Patterns without one (or whose resolver is
 * not built yet) are reported from the log alone, keyed by project and job
 * name so the same failure in many pipelines is one incident.
 */
export async function resolve(input: ResolveInput): Promise<Diagnosis> {
  if (input.pattern.resolver === 'registry-access') return resolveRegistryAccess(input);
  return logOnly(input);
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
