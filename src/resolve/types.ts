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
