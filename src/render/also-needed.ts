import type { Diagnosis } from '../domain/diagnosis.js';
import { code } from './markdown.js';

/**
 * What else is missing when the allowlist entry is not the only cause (the image or its tag),
 * in words for the note; undefined when the entry is all the job needs.
 */
export function alsoMissing(d: Diagnosis): string | undefined {
  const also = d.alsoNeeded;
  if (!also) return undefined;
  const image = code(d.fields.image ?? '');
  if (also.verdict === 'tag-not-found') {
    return `the image ${image} has no tag ${code(d.fields.tag ?? '')}`;
  }
  return `${d.target ? code(d.target.path) : 'its project'} has no image ${image}`;
}

/** The headline's ending for that second cause. */
export function alsoMissingHeadline(d: Diagnosis): string {
  if (!d.alsoNeeded) return '';
  return d.alsoNeeded.verdict === 'tag-not-found'
    ? ', and the image tag does not exist'
    : ', and the image does not exist';
}

/** "What happened" when both the entry and the image (or tag) are missing: never "the image is there". */
export function compoundWhatHappened(d: Diagnosis, pulled: string, a: string, b: string): string {
  return `${pulled} The error says "pull access denied", and two things stand in the way: its project, ${b}, only lets CI jobs of the projects on its allowlist use it, and ${a} is not on that list; and ${alsoMissing(d) ?? ''}. The registry checks the job's credentials before it looks for the image, so the log shows only the refusal: adding ${a} to the allowlist alone will not make the job pass.`;
}

/** What must exist as well before the job can pass, as the last step of the fix says it. */
export function alsoNeededStep(d: Diagnosis): string {
  const image = code(d.fields.image ?? '');
  const where = d.target ? code(d.target.path) : 'its project';
  const also =
    d.alsoNeeded?.verdict === 'tag-not-found'
      ? `the image ${image} has the tag ${code(d.fields.tag ?? '')}`
      : `${where} has the image ${image}`;
  return `Once ${also} too (see **Also needed**), retry the failed job.`;
}
