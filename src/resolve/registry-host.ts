import type { Project } from '../gitlab/port.js';

/**
 * The instance registry's host[:port], learnt from a project's
 * `container_registry_image_prefix` (`<host>/<lower-cased project path>`).
 */
export function registryHostOf(project: Project): string | undefined {
  const prefix = project.containerRegistryImagePrefix;
  if (!prefix) return undefined;
  const suffix = `/${project.pathWithNamespace.toLowerCase()}`;
  if (prefix.toLowerCase().endsWith(suffix)) return prefix.slice(0, prefix.length - suffix.length);
  const slash = prefix.indexOf('/');
  return slash === -1 ? prefix : prefix.slice(0, slash);
}

export function sameRegistry(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The project paths an image path may belong to, longest first: GitLab
 * allows a project path plus at most two more levels of image name.
 */
export function ownerCandidates(imagePath: string): { projectPath: string; repository: string }[] {
  const segments = imagePath.toLowerCase().split('/').filter(Boolean);
  const out: { projectPath: string; repository: string }[] = [];
  for (let drop = 0; drop <= 2; drop++) {
    const keep = segments.length - drop;
    if (keep < 2) break;
    out.push({
      projectPath: segments.slice(0, keep).join('/'),
      repository: segments.slice(keep).join('/'),
    });
  }
  return out;
}
