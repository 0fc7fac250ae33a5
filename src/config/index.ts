export { isDuration, parseDuration } from './duration.js';
export type { ConfigIssue } from './issue.js';
export {
  describeConfig,
  loadConfig,
  type DescribedConfig,
  type LoadConfigOptions,
  type LoadConfigResult,
  type RunConfig,
  WEBHOOK_RECONCILE_SCHEDULE,
} from './load.js';
export { retentionCutoffs, type RetentionCutoffs } from './retention.js';
export { configReference, type ConfigReferenceEntry } from './reference.js';
export {
  Config,
  DEFAULT_RETENTION,
  Http,
  LOG_LEVELS,
  LogLevel,
  Watch,
  type ConfigInput,
} from './schema.js';
export { CONFIG_FILE_ENV, ENV_BINDINGS, type EnvBinding, type EnvKind } from './settings.js';
