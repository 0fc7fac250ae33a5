import type { GitlabPort, Job } from '../gitlab/port.js';
import type { Match } from '../patterns/classify.js';
import type { Pattern } from '../patterns/library.js';

export interface ResolveInput {
  gitlab: GitlabPort;
  job: Job;
  pattern: Pattern;
  match: Match;
  /** The log as classified, so a resolver reading past the match needs no second download. */
  log?: string;
  /** Values masked wherever they appear (the bot's own tokens). */
  secrets?: readonly string[];
  gitlabVersion?: string;
  now: () => Date;
}
