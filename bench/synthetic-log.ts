import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes a GitLab-style job log of about `bytes` bytes: ANSI colours,
 * section markers, `\r` progress lines, npm/pytest/compiler output, echoed
 * error words that are not failures, and a real failure near the top (the
 * runner's pull denial) and near the end (the script's exit code).
 */
export async function writeSyntheticLog(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const E = '\x1b';
  const marker = (kind: 'start' | 'end', name: string) =>
    `${E}[0Ksection_${kind}:1715505245:${name}\r${E}[0K`;
  let written = 0;
  const write = async (text: string) => {
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };

  await write(`${E}[0KRunning with gitlab-runner 17.5.0 (abc12345)${E}[0;m\n`);
  await write(`${E}[0K  on docker-runner-1 Xy12AbCd, system ID: s_0123456789ab${E}[0;m\n`);
  await write(
    `${marker('start', 'prepare_executor')}${E}[0K${E}[36;1mPreparing the "docker" executor${E}[0;m\n`,
  );
  await write(
    `${E}[0KUsing Docker executor with image registry.example.com/platform/images/node:20 ...${E}[0;m\n`,
  );
  await write('Authenticating with credentials from job payload (GitLab Registry)\n');
  await write('Pulling docker image registry.example.com/platform/images/node:20 ...\n');
  await write(
    `${E}[0;33mWARNING: Failed to pull image with policy "always": Error response from daemon: pull access denied for registry.example.com/platform/images/node, repository does not exist or may require 'docker login': denied: requested access to the resource is denied (manager.go:237:0s)${E}[0;m\n`,
  );
  await write(
    `${marker('end', 'prepare_executor')}${marker('start', 'step_script')}${E}[0K${E}[36;1mExecuting "step_script" stage of the job script${E}[0;m\n`,
  );

  const body = [
    `${E}[32;1m$ npm ci${E}[0;m\n`,
    'npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.\n',
    'added 1287 packages, and audited 1288 packages in 21s\n',
    `Downloading dependencies 10%\rDownloading dependencies 55%\rDownloading dependencies 100%\n`,
    `${E}[32;1m$ npm test${E}[0;m\n`,
    ' PASS  src/components/error-banner.test.tsx (4.21 s)\n',
    '  ✓ renders "pull access denied" messages as text (12 ms)\n',
    '  ✓ handles timeout errors gracefully (3 ms)\n',
    'tests/test_api.py::test_connection_refused_is_retried PASSED                [ 42%]\n',
    'gcc -O2 -Wall -c src/net/socket.c -o build/socket.o\n',
    '[INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.pom\n',
    `${E}[0;33mwarning: unused variable 'status' [-Wunused-variable]${E}[0;m\n`,
    'Step 5/12 : RUN apt-get update && apt-get install -y curl\n',
    ' ---> Using cache\n',
    '{"level":"info","msg":"request finished","status":200,"duration_ms":12}\n',
  ].join('');
  const target = bytes - 2000;
  while (written < target) await write(body);

  await write(`${E}[31;1m  ✕ integration suite: expected 200, got 500${E}[0;m\n`);
  await write(
    `${marker('end', 'step_script')}${marker('start', 'cleanup_file_variables')}${E}[0K${E}[36;1mCleaning up project directory and file based variables${E}[0;m\n`,
  );
  await write(
    `${marker('end', 'cleanup_file_variables')}${E}[31;1mERROR: Job failed: exit code 1\n${E}[0;m\n`,
  );
  out.end();
  await once(out, 'finish');
}
