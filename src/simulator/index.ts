/** Public API of the GitLab simulator (used by tests and the `demo` command). */
export { startSimulator } from './server.js';
export type { RecordedRequest, Simulator, SimulatorOptions } from './server.js';
export type { Fault } from './faults.js';
export type { HookDelivery } from './hook-delivery.js';
export { emojiPayload, jobPayload, notePayload, pipelinePayload } from './hook-payloads.js';
export { World, createWorld } from './world.js';
export type {
  NewGroup,
  NewMergeRequest,
  NewProject,
  NewUser,
  RunPipelineInput,
  WorldInit,
} from './world.js';
export { SEED_SHA, runSeedPipeline, seedStoryWorld } from './seed.js';
export { loadWorldFile } from './world-file.js';
export type { SeedIds } from './seed.js';
export { NPM_PACKAGE, addPlatformProjects } from './seed-job-token.js';
export type { JobTokenIds } from './seed-job-token.js';
export {
  endpointAcceptsJobToken,
  evaluateApiAccess,
  evaluateArtifactsAccess,
  evaluateGitAccess,
  evaluateInstanceNpm,
  evaluateProjectNpm,
} from './token-access.js';
export type { TokenDecision, TokenDenialReason } from './token-access.js';
export {
  ACCESS,
  canReadBuilds,
  canReadProject,
  canReadRegistry,
  compareVersions,
  dockerHubKey,
  evaluatePull,
  jobTokenAllows,
  parseImageRef,
  projectAccessLevel,
  resolveRegistryPath,
  versionAtLeast,
} from './rules.js';
export type { AccessView, PullRequest } from './rules.js';
export type { ImageRef, PullDecision, PullDenialReason } from './types.js';
export { planJobLog } from './runner-log.js';
export type { JobLogPlan, PullAttempt, RunnerLogInput } from './runner-log.js';
export type { LogText, StageOutcome, StepOutcome } from './job-steps.js';
export { ALLOWLIST_LIMIT } from './routes/job-token-scope.js';
export type * from './types.js';
export { CI_CONFIG_PATH, lintProjectConfig } from './ci-lint.js';
export type { IncludeRecord, LintResult } from './ci-lint.js';
export { runRepositoryPipeline, submodulesOf } from './repository-pipeline.js';
export { addIssue, awardIssueEmoji, issueOf } from './issues.js';
export type { NewIssue } from './issues.js';
export { registerApplication } from './oauth.js';
export type { OAuthApplication, OAuthState } from './oauth.js';
export { auditWorld, runAuditPipelines } from './seed-audit.js';
export type { AuditIds } from './seed-audit.js';
