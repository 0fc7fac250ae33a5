import type { GitlabPort } from '../gitlab/port.js';
import type { Logger } from '../log.js';
import type { PatternLibrary } from '../patterns/library.js';
import type { Store } from '../store/index.js';

/** Counts the fixes the bot applied (Prometheus); one method, so the pipeline needs no metrics module. */
export interface FixCounter {
  fixApplied(): void;
}

/** What every stage of the pipeline works with: GitLab, the store, the patterns and the clock. */
export interface PipelineDeps {
  gitlab: GitlabPort;
  store: Store;
  library: PatternLibrary;
  logger: Logger;
  now: () => Date;
  /** The most of a job log read (head and tail are kept). */
  maxLogBytes: number;
  /** Values masked wherever log text is stored or shown (the bot's token). */
  secrets: readonly string[];
  metrics?: FixCounter;
}
