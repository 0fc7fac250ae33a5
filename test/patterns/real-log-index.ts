import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PatternLibrary } from '../../src/patterns/library.js';

/** Real job logs the rules are written against. */
export const realLogDir = join(import.meta.dirname, '../fixtures/real-logs');
/** Real job logs kept out of rule writing, to measure accuracy on unseen logs. */
export const holdoutDir = join(realLogDir, 'holdout');

export const INDEX_COLUMNS = [
  'file',
  'source_url',
  'executor',
  'expected_pattern',
  'image_or_resource',
  'own_registry',
  'cause_and_fix_per_source',
  'runner_version',
] as const;

export interface RealLog {
  file: string;
  source: string;
  executor: string;
  /** Patterns a good classifier may pick (`a|b` in the index); `NONE`: no diagnosis. */
  accepted: string[];
  /** From the log's `Running with gitlab-runner X` line, or the source; may be empty. */
  runnerVersion: string;
  /** Fields of the row, to check the index's shape. */
  columns: number;
}

/** Rows of `<dir>/INDEX.tsv` (one header line, tab-separated). */
export function readRealLogIndex(dir: string): RealLog[] {
  // No trim(): a row may end with an empty runner_version, i.e. a trailing tab.
  return readFileSync(join(dir, 'INDEX.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((row) => row !== '')
    .map((row) => row.split('\t'))
    .map((fields) => ({
      file: fields[0] ?? '',
      source: fields[1] ?? '',
      executor: fields[2] ?? '',
      accepted: (fields[3] ?? '').split('|'),
      runnerVersion: fields[7] ?? '',
      columns: fields.length,
    }));
}

/**
 * The patterns a log waits for, when the library has none of the ones it
 * accepts (a class planned but not written yet); null when it can be judged.
 */
export function missingPatterns(log: RealLog, library: PatternLibrary): string | null {
  if (log.accepted.includes('NONE')) return null;
  const ids = new Set(library.patterns.map((p) => p.id));
  return log.accepted.some((id) => ids.has(id)) ? null : log.accepted.join('|');
}

/**
 * Development logs whose pattern exists but that today's library classifies
 * wrong, with what goes wrong. They are skipped rather than failed so the
 * logs can land before the rules change; fixing one means deleting its line
 * here (real-logs.test.ts fails while a listed log is classified right).
 */
export const knownMisses: ReadonlyMap<string, string> = new Map([
  [
    '060-kaniko-702-empty-registry-variable-invalid-repository-name.log',
    "kaniko's 'error checking push permissions' (400 invalid repository name) without a runner line is not recognised",
  ],
  [
    '098-gitlab-docs-ko-api-security-service-image-unauthorized.log',
    "'Get https://<registry>/.../manifests/latest: unauthorized' on a service image is read as a pull failure of unknown cause",
  ],
  [
    '099-zh-docs-k8s-rbac-secrets-forbidden-wrapped.log',
    "the RBAC denial is broken over indented lines, so 'ERROR: Job failed (system failure):' is alone at a line end",
  ],
  [
    '134-zh-blog-ssh-executor-sudo-no-tty-process-exited.log',
    "the ssh executor's 'ERROR: Job failed: Process exited with: 1.' is not read as a script failure",
  ],
  [
    '077-kaniko-2222-harbor-push-unauthorized.log',
    "kaniko's 'error checking push permissions ... UNAUTHORIZED ... action: push' is not read as a push denial",
  ],
  [
    '152-hexo-16-1-shell-prepare-environment-bash-logout.log',
    "'ERROR: Job failed: prepare environment: exit status 1' with the shell-profile-loading hint (a failing ~/.bash_logout) is not recognised",
  ],
  [
    '163-qemu-devel-container-build-cgroup-mountpoint.log',
    "a lone 'cgroups: cgroup mountpoint does not exist: unknown' (container runtime on the runner host) is not recognised",
  ],
  [
    '175-qemu-pipeline-mail-buildkit-from-debian10-pull-access-denied-qp.log',
    "buildkit's 'FROM docker.io/qemu/debian10 ... pull access denied, repository does not exist' inside a docker build, mailed quoted-printable, is not recognised",
  ],
  [
    '179-qemu-pipeline-mail-build-disabled-timeout-kvm-fallback-qp.log',
    "'execution took longer than 1h0m0s secon=' soft-wrapped by quoted-printable (=1B escapes) is not read as a timeout",
  ],
  [
    '185-qemu-pipeline-mail-build-fuzzer-leaksanitizer-qp.log',
    "a LeakSanitizer report ending in make Error 1 and an =1B-escaped 'ERROR: Job failed: exit code 1' is not recognised",
  ],
  [
    '188-ko-runbook-docker-login-empty-username.log',
    "docker login's 'Must provide --username with --password-stdin' (empty username variable) is not read as a failed registry login",
  ],
]);
