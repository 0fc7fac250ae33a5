/**
 * Writes the precision corpus (test/fixtures/precision): job logs of passing
 * jobs and of failures with a known cause, framed by the simulator's runner
 * (sections, colours, FF_TIMESTAMPS, docker and kubernetes executors) around
 * script output written after what the tools print. The output of each tool
 * is typed out here, so the corpus says what a pattern must tolerate.
 * `UPDATE_FIXTURES=1 npx vitest run test/patterns/precision-corpus.test.ts`
 * rewrites the files.
 */
import { createHash } from 'node:crypto';
import {
  addPlatformProjects,
  parseImageRef,
  seedStoryWorld,
  type JobSpec,
  type JobTokenIds,
  type SeedIds,
  type World,
} from '../../src/simulator/index.js';

export interface CorpusFile {
  /** Relative to the corpus folder: `success/<name>.log` or `failure/<id>/<name>.log`. */
  path: string;
  content: string;
}

interface Scenario {
  name: string;
  /** `success`, or the pattern that must win (`none`: only the fallback may). */
  expect: string;
  spec: Omit<JobSpec, 'name' | 'image'> & { image?: string };
  /** Adjusts the world first (allowlists, roles). */
  setup?: (world: World, ids: SeedIds, platform: JobTokenIds) => void;
  user?: (ids: SeedIds) => number;
  version?: string;
}

const NODE = 'node:20-bookworm';
const PYTHON = 'python:3.12-slim';
const MAVEN = 'maven:3.9-eclipse-temurin-21';
const DOCKER = 'docker:27.3';

const SUCCESS: Scenario[] = [
  {
    name: 'npm-ci-build',
    expect: 'success',
    spec: {
      image: NODE,
      script: ['npm ci', 'npm run build'],
      scriptOutput: [
        'npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.',
        'npm warn deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported',
        '',
        'added 1203 packages, and audited 1204 packages in 31s',
        '',
        '187 packages are looking for funding',
        '  run `npm fund` for details',
        '',
        'found 0 vulnerabilities',
        '',
        '> web@2.4.0 build',
        '> vite build',
        '',
        'vite v5.4.10 building for production...',
        'transforming...',
        '✓ 1562 modules transformed.',
        'rendering chunks...',
        'computing gzip size...',
        'dist/index.html                   0.46 kB │ gzip:   0.30 kB',
        'dist/assets/index-BQ4mdw1x.css   24.91 kB │ gzip:   5.10 kB',
        'dist/assets/index-C3n4Ko4G.js   412.37 kB │ gzip: 131.02 kB',
        '✓ built in 7.82s',
        'Uploading artifacts for successful job',
        'Uploading artifacts...',
        'dist/: found 12 matching artifact files and directories',
        'Uploading artifacts as "archive" to coordinator... 201 Created  id=1001 responseStatus=201 Created token=glcbt-64',
      ],
      artifacts: ['dist/'],
    },
  },
  {
    name: 'npm-install-from-gitlab-registry',
    expect: 'success',
    setup: (world, ids, p) => world.allowlistProject(p.uiKit, ids.projects.app),
    spec: {
      image: NODE,
      script: ['npm ls @platform/ui-kit'],
      scriptOutput: ['app@1.0.0 /builds/team/app', '└── @platform/ui-kit@2.1.0'],
      tokenSteps: [
        {
          kind: 'npm-install',
          package: '@platform/ui-kit',
          version: '2.1.0',
          registryProject: 'platform/ui-kit',
        },
      ],
    },
  },
  {
    name: 'pip-install-pytest',
    expect: 'success',
    spec: {
      image: PYTHON,
      timestamps: true,
      script: [
        'pip install --index-url https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.org/api/v4/projects/42/packages/pypi/simple --extra-index-url https://pypi.org/simple -r requirements.txt',
        'pytest -q',
      ],
      scriptOutput: [
        'Looking in indexes: https://gitlab-ci-token:****@gitlab.example.org/api/v4/projects/42/packages/pypi/simple, https://pypi.org/simple',
        'Collecting requests==2.32.3 (from -r requirements.txt (line 1))',
        '  Downloading requests-2.32.3-py3-none-any.whl.metadata (4.6 kB)',
        'Collecting platform-client==1.4.0 (from -r requirements.txt (line 2))',
        '  Downloading https://gitlab.example.org/api/v4/projects/42/packages/pypi/files/5b1c9e/platform_client-1.4.0-py3-none-any.whl (18 kB)',
        'Collecting urllib3<3,>=1.21.1 (from requests==2.32.3->-r requirements.txt (line 1))',
        '  Downloading urllib3-2.2.3-py3-none-any.whl.metadata (6.5 kB)',
        'Installing collected packages: urllib3, idna, charset-normalizer, certifi, requests, platform-client',
        'Successfully installed certifi-2024.8.30 charset-normalizer-3.4.0 idna-3.10 platform-client-1.4.0 requests-2.32.3 urllib3-2.2.3',
        "WARNING: Running pip as the 'root' user can result in broken permissions and conflicting behaviour with the system package manager.",
        '........................................................................ [ 60%]',
        '..............................................s.........               [100%]',
        '127 passed, 1 skipped in 14.21s',
      ],
    },
  },
  {
    name: 'pytest-error-words-in-test-names',
    expect: 'success',
    spec: {
      image: PYTHON,
      script: ['pytest -v tests/test_errors.py'],
      scriptOutput: [
        '============================= test session starts ==============================',
        'platform linux -- Python 3.12.7, pytest-8.3.3, pluggy-1.5.0 -- /usr/local/bin/python',
        'collected 9 items',
        '',
        'tests/test_errors.py::test_pull_access_denied_is_reported PASSED         [ 11%]',
        'tests/test_errors.py::test_no_space_left_on_device_retries PASSED        [ 22%]',
        'tests/test_errors.py::test_connection_refused_backoff PASSED             [ 33%]',
        'tests/test_errors.py::test_403_forbidden_maps_to_permission_error PASSED [ 44%]',
        'tests/test_errors.py::test_404_project_not_found_message PASSED          [ 55%]',
        'tests/test_errors.py::test_timeout_exceeded PASSED                       [ 66%]',
        'tests/test_errors.py::test_oom_killed_exit_137 PASSED                    [ 77%]',
        'tests/test_errors.py::test_tls_unknown_authority PASSED                  [ 88%]',
        'tests/test_errors.py::test_dns_no_such_host PASSED                       [100%]',
        '',
        '============================== 9 passed in 0.84s ===============================',
      ],
    },
  },
  {
    name: 'maven-verify-gitlab-maven-registry',
    expect: 'success',
    spec: {
      image: MAVEN,
      script: ['mvn --batch-mode --settings ci_settings.xml verify'],
      scriptOutput: [
        '[INFO] Scanning for projects...',
        '[INFO] Downloading from gitlab-maven: https://gitlab.example.org/api/v4/projects/42/packages/maven/com/example/platform-bom/3.1.0/platform-bom-3.1.0.pom',
        '[INFO] Downloaded from gitlab-maven: https://gitlab.example.org/api/v4/projects/42/packages/maven/com/example/platform-bom/3.1.0/platform-bom-3.1.0.pom (2.1 kB at 14 kB/s)',
        '[INFO] ',
        '[INFO] -------------------------< com.example:orders >-------------------------',
        '[INFO] Building orders 1.8.0-SNAPSHOT',
        '[INFO]   from pom.xml',
        '[INFO] --------------------------------[ jar ]---------------------------------',
        '[INFO] --- surefire:3.5.1:test (default-test) @ orders ---',
        '[INFO] Running com.example.orders.OrderServiceTest',
        '[INFO] Tests run: 42, Failures: 0, Errors: 0, Skipped: 1, Time elapsed: 3.214 s -- in com.example.orders.OrderServiceTest',
        '[INFO] Running com.example.orders.RepositoryAccessDeniedTest',
        '[INFO] Tests run: 6, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.412 s -- in com.example.orders.RepositoryAccessDeniedTest',
        '[INFO] ',
        '[INFO] Results:',
        '[INFO] ',
        '[INFO] Tests run: 48, Failures: 0, Errors: 0, Skipped: 1',
        '[INFO] ',
        '[INFO] ------------------------------------------------------------------------',
        '[INFO] BUILD SUCCESS',
        '[INFO] ------------------------------------------------------------------------',
        '[INFO] Total time:  38.905 s',
      ],
    },
  },
  {
    name: 'gradle-build',
    expect: 'success',
    spec: {
      image: 'gradle:8.10-jdk21',
      executor: 'kubernetes',
      script: ['gradle build --no-daemon'],
      scriptOutput: [
        'Welcome to Gradle 8.10.2!',
        'Starting a Gradle Daemon (subsequent builds will be faster)',
        '> Task :compileJava',
        '> Task :processResources',
        '> Task :classes',
        '> Task :jar',
        '> Task :test',
        '',
        'ClientTimeoutTest > retriesAfterConnectionRefused() PASSED',
        'ClientTimeoutTest > givesUpAfterTimeout() PASSED',
        '',
        'BUILD SUCCESSFUL in 1m 4s',
        '7 actionable tasks: 7 executed',
      ],
    },
  },
  {
    name: 'go-test-race',
    expect: 'success',
    spec: {
      image: 'golang:1.23',
      timestamps: true,
      script: ['go test -race ./...'],
      scriptOutput: [
        'go: downloading github.com/stretchr/testify v1.9.0',
        'go: downloading golang.org/x/sync v0.8.0',
        'ok  \texample.org/team/app/internal/registry\t1.204s',
        'ok  \texample.org/team/app/internal/retry\t0.031s',
        '?   \texample.org/team/app/cmd/app\t[no test files]',
        'ok  \texample.org/team/app/internal/token\t0.412s',
      ],
    },
  },
  {
    name: 'cargo-test',
    expect: 'success',
    spec: {
      image: 'rust:1.82',
      script: ['cargo test --locked'],
      scriptOutput: [
        '    Updating crates.io index',
        ' Downloading crates ...',
        '  Downloaded serde v1.0.214',
        '   Compiling proc-macro2 v1.0.89',
        '   Compiling app v0.3.1 (/builds/team/app)',
        '    Finished `test` profile [unoptimized + debuginfo] target(s) in 48.31s',
        '     Running unittests src/lib.rs (target/debug/deps/app-5b3c1d2e)',
        '',
        'running 14 tests',
        'test fetch::tests::maps_403_to_permission_denied ... ok',
        'test fetch::tests::maps_404_to_not_found ... ok',
        'test disk::tests::reports_no_space_left ... ok',
        '',
        'test result: ok. 14 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s',
      ],
    },
  },
  {
    name: 'docker-build-push-gitlab-registry',
    expect: 'success',
    spec: {
      image: DOCKER,
      services: ['docker:27.3-dind'],
      script: [
        'echo "$CI_REGISTRY_PASSWORD" | docker login $CI_REGISTRY -u $CI_REGISTRY_USER --password-stdin',
        'docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .',
        'docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA',
      ],
      scriptOutput: [
        'WARNING! Your password will be stored unencrypted in /root/.docker/config.json.',
        'Configure a credential helper to remove this warning. See',
        'https://docs.docker.com/engine/reference/commandline/login/#credential-stores',
        '',
        'Login Succeeded',
        '#0 building with "default" instance using docker driver',
        '#1 [internal] load build definition from Dockerfile',
        '#1 transferring dockerfile: 412B done',
        '#2 [internal] load metadata for docker.io/library/node:20-alpine',
        '#2 DONE 1.2s',
        '#5 [1/4] FROM docker.io/library/node:20-alpine@sha256:c13b26e7e602ef2f1074aef304ce6e9b7dd284c419b35d89fcf3cc8e44a8def9',
        '#5 resolve docker.io/library/node:20-alpine@sha256:c13b26e7e602ef2f1074aef304ce6e9b7dd284c419b35d89fcf3cc8e44a8def9 done',
        '#8 [4/4] RUN npm ci --omit=dev',
        '#8 4.912 added 212 packages in 4s',
        '#8 DONE 5.4s',
        '#9 exporting to image',
        '#9 writing image sha256:8a1f3c2b9d0e done',
        '#9 naming to gitlab-registry.example.org/team/app:61e5c0c2 done',
        '#9 DONE 0.6s',
        'The push refers to repository [gitlab-registry.example.org/team/app]',
        '5f70bf18a086: Preparing',
        'a57fd3e3021d: Preparing',
        'a57fd3e3021d: Pushed',
        '5f70bf18a086: Pushed',
        '61e5c0c2: digest: sha256:0b8b2a2bdd5e6c0f0d2f7b4b9c5c3d1a2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b size: 1784',
      ],
    },
  },
  {
    name: 'docker-pull-instance-and-hub-images',
    expect: 'success',
    setup: (world, ids) => world.allowlistProject(ids.projects.poetry, ids.projects.app),
    spec: {
      image: 'gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9:1.5',
      services: ['python:3.12'],
      script: ['docker pull alpine:3.20', 'poetry install'],
      scriptOutput: [
        '3.20: Pulling from library/alpine',
        'da9db072f522: Pull complete',
        'Digest: sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a',
        'Status: Downloaded newer image for alpine:3.20',
        'docker.io/library/alpine:3.20',
        'Installing dependencies from lock file',
        'Package operations: 12 installs, 0 updates, 0 removals',
        '  - Installing certifi (2024.8.30)',
        '  - Installing requests (2.32.3)',
        'Installing the current project: app (0.1.0)',
      ],
    },
  },
  {
    name: 'kubernetes-job-with-deploy-output',
    expect: 'success',
    spec: {
      image: 'bitnami/kubectl:1.31',
      executor: 'kubernetes',
      script: ['kubectl rollout status deploy/app -n staging --timeout=120s', 'kubectl get pods -n staging'],
      scriptOutput: [
        'Waiting for deployment "app" rollout to finish: 1 of 3 updated replicas are available...',
        'Waiting for deployment "app" rollout to finish: 2 of 3 updated replicas are available...',
        'deployment "app" successfully rolled out',
        'NAME                   READY   STATUS    RESTARTS   AGE',
        'app-7d9c8b6f5d-2kq8x   1/1     Running   0          41s',
        'app-7d9c8b6f5d-8vmzp   1/1     Running   0          33s',
        'app-7d9c8b6f5d-ltw4c   1/1     Running   0          25s',
      ],
    },
  },
  {
    name: 'dependency-proxy-pull',
    expect: 'success',
    spec: {
      image: DOCKER,
      services: ['docker:27.3-dind'],
      script: [
        'docker login -u $CI_DEPENDENCY_PROXY_USER -p $CI_DEPENDENCY_PROXY_PASSWORD $CI_DEPENDENCY_PROXY_SERVER',
        'docker pull ${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/nginx:1.27',
      ],
      scriptOutput: [
        'WARNING! Using --password via the CLI is insecure. Use --password-stdin.',
        'Login Succeeded',
        '1.27: Pulling from team/dependency_proxy/containers/nginx',
        'a480a496ba95: Pull complete',
        'Digest: sha256:28402db69fec7c17e179ea87882667f1e054391138f77ffaf0c3eb388efc3ffb',
        'Status: Downloaded newer image for gitlab.example.org:443/team/dependency_proxy/containers/nginx:1.27',
        'gitlab.example.org:443/team/dependency_proxy/containers/nginx:1.27',
      ],
    },
  },
  {
    name: 'submodules-and-artifacts-allowed',
    expect: 'success',
    setup: (world, ids, p) => {
      world.allowlistProject(p.shared, ids.projects.app);
      world.allowlistProject(p.libs, ids.projects.app);
    },
    spec: {
      image: 'alpine:3.20',
      submodules: [{ path: 'libs/shared', project: 'platform/shared' }],
      needs: [{ project: 'platform/libs', job: 'build-lib', ref: 'main' }],
      script: ['make package'],
      scriptOutput: ['tar czf app.tgz dist/ libs/shared/scripts/', 'package: app.tgz (2.4M)'],
    },
  },
  {
    name: 'curl-api-with-job-token',
    expect: 'success',
    setup: (world, ids, p) => world.allowlistProject(p.config, ids.projects.app),
    spec: {
      image: 'curlimages/curl:8.10.1',
      tokenSteps: [{ kind: 'curl', project: 'platform/config', endpoint: 'releases', apiUrlVariable: true }],
      script: ['echo "no release yet, skipping"'],
      scriptOutput: ['no release yet, skipping'],
    },
  },
  {
    name: 'shell-echoes-error-words',
    expect: 'success',
    spec: {
      image: 'alpine:3.20',
      script: [
        'set -x',
        './scripts/check-docs.sh',
      ],
      scriptOutput: [
        "+ grep -c 'pull access denied' docs/troubleshooting.md",
        '3',
        "+ echo 'Documented errors: pull access denied, no space left on device, x509, toomanyrequests'",
        'Documented errors: pull access denied, no space left on device, x509, toomanyrequests',
        '+ echo "Retrying on: connection refused, i/o timeout, 429 Too Many Requests"',
        'Retrying on: connection refused, i/o timeout, 429 Too Many Requests',
        '+ test -n "$CI_JOB_TOKEN"',
        '+ echo "CI_JOB_TOKEN is set; job token allowlist docs: https://docs.gitlab.com/ci/jobs/ci_job_token/"',
        'CI_JOB_TOKEN is set; job token allowlist docs: https://docs.gitlab.com/ci/jobs/ci_job_token/',
        '+ exit 0',
      ],
    },
  },
  {
    name: 'lint-warnings-no-errors',
    expect: 'success',
    spec: {
      image: NODE,
      script: ['npx eslint . --max-warnings 20', 'npx tsc --noEmit'],
      scriptOutput: [
        '',
        '/builds/team/app/src/retry.ts',
        "  14:7  warning  'timeoutMs' is assigned a value but never used  @typescript-eslint/no-unused-vars",
        '',
        '/builds/team/app/src/errors.ts',
        "  31:3  warning  Unexpected console statement  no-console",
        '',
        '✖ 2 problems (0 errors, 2 warnings)',
        '',
      ],
    },
  },
  {
    name: 'terraform-plan',
    expect: 'success',
    spec: {
      image: 'hashicorp/terraform:1.9',
      script: ['terraform init -input=false', 'terraform plan -input=false'],
      scriptOutput: [
        'Initializing the backend...',
        'Successfully configured the backend "http"! Terraform will automatically',
        'use this backend unless the backend configuration changes.',
        'Initializing provider plugins...',
        '- Finding hashicorp/aws versions matching "~> 5.0"...',
        '- Installing hashicorp/aws v5.74.0...',
        'Terraform has been successfully initialized!',
        'No changes. Your infrastructure matches the configuration.',
      ],
    },
  },
  {
    name: 'cache-first-run-miss',
    expect: 'success',
    spec: {
      image: NODE,
      script: ['npm ci --cache .npm --prefer-offline'],
      scriptOutput: [
        'Checking cache for main-protected...',
        'WARNING: file does not exist',
        'Failed to extract cache',
        'added 214 packages, and audited 215 packages in 6s',
        'found 0 vulnerabilities',
        'Creating cache main-protected...',
        '.npm/: found 1432 matching artifact files and directories',
        'Uploading cache.zip to https://storage.googleapis.com/runners-cache/project/202/main-protected',
        'Created cache',
      ],
    },
  },
  {
    name: 'apt-and-disk-report',
    expect: 'success',
    spec: {
      image: 'debian:bookworm',
      script: ['apt-get update -qq && apt-get install -y -qq jq', 'df -h /builds'],
      scriptOutput: [
        'debconf: delaying package configuration, since apt-utils is not installed',
        'Selecting previously unselected package libjq1:amd64.',
        'Setting up jq (1.6-2.1) ...',
        'Filesystem      Size  Used Avail Use% Mounted on',
        'overlay          49G   46G  3.0G  94% /builds',
      ],
    },
  },
  {
    name: 'kaniko-build-push',
    expect: 'success',
    spec: {
      image: 'gcr.io/kaniko-project/executor:v1.23.2-debug',
      executor: 'kubernetes',
      script: [
        '/kaniko/executor --context "${CI_PROJECT_DIR}" --destination "${CI_REGISTRY_IMAGE}:${CI_COMMIT_SHORT_SHA}"',
      ],
      scriptOutput: [
        'INFO[0000] Retrieving image manifest node:20-alpine',
        'INFO[0000] Retrieving image node:20-alpine from registry index.docker.io',
        'INFO[0001] Built cross stage deps: map[]',
        'INFO[0001] Executing 0 build triggers',
        'INFO[0012] RUN npm ci --omit=dev',
        'INFO[0031] Taking snapshot of full filesystem...',
        'INFO[0036] Pushing image to gitlab-registry.example.org/team/app:61e5c0c2',
        'INFO[0038] Pushed gitlab-registry.example.org/team/app@sha256:6d1c5a8e3f2b4c7d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d',
      ],
    },
  },
  {
    name: 'helm-lint-template',
    expect: 'success',
    spec: {
      image: 'alpine/helm:3.16.2',
      script: ['helm lint charts/app', 'helm template app charts/app > /dev/null'],
      scriptOutput: [
        '==> Linting charts/app',
        '[INFO] Chart.yaml: icon is recommended',
        '',
        '1 chart(s) linted, 0 chart(s) failed',
      ],
    },
  },
  {
    name: 'python-gitlab-release-notes',
    expect: 'success',
    spec: {
      image: PYTHON,
      script: ['python scripts/release_notes.py'],
      scriptOutput: [
        'Reading merge requests merged since v2.3.0 ...',
        'Skipping !412: 404 Not Found for the linked issue (closed as a duplicate); continuing',
        'Wrote RELEASE_NOTES.md (17 entries)',
      ],
    },
  },
];

const FAILURES: Scenario[] = [
  {
    name: 'pip-dns-retries-give-up',
    expect: 'dns-resolution-failed',
    spec: {
      image: PYTHON,
      script: ['pip install -r requirements.txt'],
      scriptOutput: [
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f3a2c1d5e50>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/requests/",
        'ERROR: Could not find a version that satisfies the requirement requests==2.32.3 (from versions: none)',
        'ERROR: No matching distribution found for requests==2.32.3',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'docker-hub-rate-limit-in-script',
    expect: 'registry-rate-limited',
    spec: {
      image: DOCKER,
      services: ['docker:27.3-dind'],
      script: ['docker pull postgres:16'],
      scriptOutput: [
        'Error response from daemon: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'image-allowlist-seed-story',
    expect: 'registry-pull-denied',
    spec: { image: 'gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9:1.5', script: ['poetry build'] },
  },
  {
    name: 'submodule-allowlist',
    expect: 'repo-access-denied',
    spec: { image: 'alpine:3.20', submodules: [{ path: 'libs/shared', project: 'platform/shared' }] },
  },
  {
    name: 'submodule-allowlist-16-11',
    expect: 'repo-access-denied',
    version: '16.11.0',
    spec: { image: 'alpine:3.20', timestamps: true, submodules: [{ path: 'libs/shared', project: 'platform/shared' }] },
  },
  {
    name: 'git-clone-user-access',
    expect: 'repo-access-denied',
    setup: (world, ids, p) => world.allowlistProject(p.shared, ids.projects.app),
    user: (ids) => ids.users.carol,
    spec: { image: 'alpine:3.20', tokenSteps: [{ kind: 'git-clone', project: 'platform/shared' }] },
  },
  {
    name: 'npm-project-endpoint-403',
    expect: 'package-access-denied',
    spec: {
      image: NODE,
      tokenSteps: [
        { kind: 'npm-install', package: '@platform/ui-kit', version: '2.1.0', registryProject: 'platform/ui-kit' },
      ],
    },
  },
  {
    name: 'npm-instance-endpoint-403',
    expect: 'package-access-denied',
    spec: { image: NODE, executor: 'kubernetes', tokenSteps: [{ kind: 'npm-install', package: '@platform/ui-kit' }] },
  },
  {
    name: 'needs-project-forbidden',
    expect: 'artifacts-access-denied',
    spec: { image: 'alpine:3.20', needs: [{ project: 'platform/libs', job: 'build-lib', ref: 'main' }] },
  },
  {
    name: 'curl-api-403',
    expect: 'api-access-denied',
    spec: { image: 'curlimages/curl:8.10.1', tokenSteps: [{ kind: 'curl', project: 'platform/config', endpoint: 'releases' }] },
  },
  {
    name: 'pytest-failure',
    expect: 'pytest-tests-failed',
    spec: {
      image: PYTHON,
      script: ['pytest -q'],
      scriptOutput: [
        '.......F..                                                               [100%]',
        '=================================== FAILURES ===================================',
        '________________________ test_retry_on_connection_error ________________________',
        '',
        '    def test_retry_on_connection_error():',
        '>       assert client.fetch("https://registry.example.org/v2/") == 200',
        'E       AssertionError: assert 503 == 200',
        '',
        'tests/test_client.py:42: AssertionError',
        '=========================== short test summary info ============================',
        'FAILED tests/test_client.py::test_retry_on_connection_error - AssertionError: assert 503 == 200',
        '1 failed, 9 passed in 1.92s',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'typescript-compile-error',
    expect: 'typescript-compile-error',
    spec: {
      image: NODE,
      script: ['npx tsc --noEmit'],
      scriptOutput: [
        "src/registry.ts(41,7): error TS2322: Type 'string | undefined' is not assignable to type 'string'.",
        "src/registry.ts(58,19): error TS2339: Property 'pullAccessDenied' does not exist on type 'RegistryError'.",
        '',
        'Found 2 errors in the same file, starting at: src/registry.ts:41',
      ],
      exitCode: 2,
    },
  },
  {
    name: 'go-vet-failure',
    expect: 'go-compile-error',
    spec: {
      image: 'golang:1.23',
      script: ['go vet ./...'],
      scriptOutput: [
        '# example.org/team/app/internal/token',
        'internal/token/scope.go:88:2: unreachable code',
        'internal/token/scope.go:102:14: fmt.Sprintf format %d has arg name of wrong type string',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'maven-test-failure',
    expect: 'junit-tests-failed',
    spec: {
      image: MAVEN,
      script: ['mvn --batch-mode verify'],
      scriptOutput: [
        '[ERROR] Tests run: 12, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 1.02 s <<< FAILURE! -- in com.example.orders.AccessTest',
        '[ERROR] com.example.orders.AccessTest.deniesForbiddenProject -- Time elapsed: 0.011 s <<< FAILURE!',
        'org.opentest4j.AssertionFailedError: expected: <403> but was: <404>',
        '[ERROR] BUILD FAILURE',
        '[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.5.1:test (default-test) on project orders: There are test failures.',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'npm-audit-failure',
    expect: 'none',
    spec: {
      image: NODE,
      script: ['npm audit --audit-level=high'],
      scriptOutput: [
        '# npm audit report',
        '',
        'cross-spawn  7.0.0 - 7.0.4',
        'Severity: high',
        'Regular Expression Denial of Service (ReDoS) in cross-spawn - https://github.com/advisories/GHSA-3xgq-45jj-v275',
        'fix available via `npm audit fix`',
        '',
        '1 high severity vulnerability',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'shellcheck-failure',
    expect: 'none',
    spec: {
      image: 'koalaman/shellcheck-alpine:stable',
      script: ['shellcheck scripts/*.sh'],
      scriptOutput: [
        '',
        'In scripts/deploy.sh line 12:',
        'curl --fail --header "JOB-TOKEN: $CI_JOB_TOKEN" $URL',
        '                                                 ^--^ SC2086 (info): Double quote to prevent globbing and word splitting.',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'disk-full-docker-build',
    expect: 'disk-full',
    spec: {
      image: DOCKER,
      services: ['docker:27.3-dind'],
      script: ['docker build -t app .'],
      scriptOutput: [
        '#7 [3/5] RUN apt-get update && apt-get install -y build-essential',
        '#7 12.04 E: You don\'t have enough free space in /var/cache/apt/archives/.',
        'ERROR: failed to solve: ResourceExhausted: write /var/lib/docker/overlay2/k3j9/diff/usr/lib/gcc/x86_64-linux-gnu/12/cc1: no space left on device',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'out-of-memory-node',
    expect: 'out-of-memory',
    spec: {
      image: NODE,
      script: ['npm run build'],
      scriptOutput: [
        '<--- Last few GCs --->',
        '[41:0x5b2e1a0]    91235 ms: Mark-Compact 2033.1 (2086.2) -> 2031.9 (2086.7) MB, 1604.1 / 0.0 ms  (average mu = 0.108, current mu = 0.010) allocation failure',
        'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      ],
      exitCode: 134,
    },
  },
  {
    name: 'dns-npm-registry',
    expect: 'dns-resolution-failed',
    spec: {
      image: NODE,
      script: ['npm ci'],
      scriptOutput: [
        'npm error code EAI_AGAIN',
        'npm error syscall getaddrinfo',
        'npm error errno EAI_AGAIN',
        'npm error request to https://registry.npmjs.org/vite failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org',
      ],
      exitCode: 1,
    },
  },
  {
    name: 'tls-pip-company-proxy',
    expect: 'tls-certificate-untrusted',
    spec: {
      image: PYTHON,
      script: ['pip install -r requirements.txt'],
      scriptOutput: [
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1000)'))': /simple/requests/",
        'ERROR: Could not find a version that satisfies the requirement requests==2.32.3 (from versions: none)',
      ],
      exitCode: 1,
    },
  },
];

function sha(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

function run(scenario: Scenario): string {
  const clock = new Date('2025-05-12T09:14:00.000Z');
  const { world, ids } = seedStoryWorld({
    now: () => clock,
    ...(scenario.version ? { version: scenario.version } : {}),
  });
  const platform = addPlatformProjects(world, ids);
  scenario.setup?.(world, ids, platform);
  // Docker Hub (and gcr.io) have every outside image the scenarios use.
  for (const image of [scenario.spec.image ?? 'alpine:3.20', ...(scenario.spec.services ?? [])]) {
    const ref = parseImageRef(image);
    if (ref.host !== world.registryHost) world.addDockerHubImage(ref.name, [ref.tag ?? 'latest']);
  }
  const pipeline = world.runPipeline({
    projectId: ids.projects.app,
    ref: 'main',
    sha: sha(scenario.name),
    userId: scenario.user?.(ids) ?? ids.users.alice,
    jobs: [{ image: 'alpine:3.20', ...scenario.spec, name: scenario.name }],
  });
  const job = world.jobsOf(pipeline.id)[0];
  if (!job) throw new Error(`no job for ${scenario.name}`);
  const ok = job.status === 'success';
  if (ok !== (scenario.expect === 'success')) {
    throw new Error(`${scenario.name}: the job ended ${job.status}`);
  }
  return job.log;
}

export function generateCorpus(): CorpusFile[] {
  return [...SUCCESS, ...FAILURES].map((s) => ({
    path: s.expect === 'success' ? `success/${s.name}.log` : `failure/${s.expect}/${s.name}.log`,
    content: run(s),
  }));
}
