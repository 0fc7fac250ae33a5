/** The `.gitlab-ci.yml` a simulated pipeline ran from, written back from its job specs. */
import { stringify } from 'yaml';
import type { JobSpec } from './types.js';

export function ciConfigOf(jobs: readonly JobSpec[]): string {
  const stages = [...new Set(jobs.map((j) => j.stage ?? 'test'))];
  const config: Record<string, unknown> = { stages };
  for (const job of jobs) {
    const script = [
      ...(job.tokenSteps ?? []).map((s) =>
        s.kind === 'git-clone'
          ? `git clone https://gitlab-ci-token:\${CI_JOB_TOKEN}@\${CI_SERVER_HOST}/${s.project}.git`
          : s.kind === 'npm-install'
            ? `npm install ${s.version ? `${s.package}@${s.version}` : s.package}`
            : `curl --fail-with-body --header "JOB-TOKEN: $CI_JOB_TOKEN" "\${CI_API_V4_URL}/projects/${typeof s.project === 'number' ? s.project : encodeURIComponent(s.project)}/${s.endpoint}"`,
      ),
      ...(job.script ?? []),
    ];
    config[job.name] = {
      stage: job.stage ?? 'test',
      image: job.image,
      ...(job.services?.length ? { services: job.services } : {}),
      ...(job.submodules?.length ? { variables: { GIT_SUBMODULE_STRATEGY: 'recursive' } } : {}),
      ...(job.needs?.length
        ? {
            needs: job.needs.map((n) => ({
              project: n.project,
              job: n.job,
              ref: n.ref,
              artifacts: true,
            })),
          }
        : {}),
      script,
      ...(job.artifacts?.length ? { artifacts: { paths: job.artifacts } } : {}),
      ...(job.allowFailure ? { allow_failure: true } : {}),
    };
  }
  return stringify(config, { lineWidth: 0 });
}
