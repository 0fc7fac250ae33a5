import type { GitlabPort, Job } from '../gitlab/port.js';
import type { Match } from '../patterns/classify.js';
import type { Pattern } from '../patterns/library.js';

export interface ResolveInput {
  gitlab: GitlabPort;
  job: Job;
  pattern: Pattern;
  match: Match;
  gitlabVersion?: string;
  now: () => Date;
}

/**
 * Port methods the resolvers use when the adapter has them; not in
 * GitlabPort yet. `getRawFile` (GET /projects/:id/repository/files/:path/raw,
 * gitbeaker `RepositoryFiles.showRaw`) lets the artifacts resolver read the
 * pipeline's `needs:project` instead of searching projects for the job id.
 */
export interface OptionalPortMethods {
  getRawFile?(projectId: number, filePath: string, ref: string): Promise<string>;
}
