import { describe, expect, it } from 'vitest';
import { classify } from '../../src/patterns/classify.js';
import { loadLibrary } from '../../src/patterns/load.js';

const library = loadLibrary();
// pip's retry wording (https://github.com/luxonis/depthai/issues/1129).
const retry = (n: number) =>
  `WARNING: Retrying (Retry(total=${n}, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0xffff9f2197b0>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/torch/`;
const dind = [
  'Starting service docker:dind ...',
  'Waiting for services to be up and running (timeout 30 seconds)...',
  "*** WARNING: Service runner-lfbmezy7g-project-1-concurrent-0-3b87b538ae2e9649-docker-0 probably didn't start properly.",
  'Executing "step_script" stage of the job script',
];

describe('ranking like an engineer reads a log', () => {
  it('puts the OOM kill at the end before a DNS retry the job went on from', () => {
    const log = [
      '$ pip install -r requirements.txt',
      retry(4),
      'Collecting torch==2.3.0',
      ...Array.from({ length: 12 }, (_, i) => `  Downloading package-${i}.whl (1.2 MB)`),
      'Successfully installed torch-2.3.0',
      '$ python train.py',
      'Killed',
      'ERROR: Job failed: exit code 137',
    ].join('\n');

    const { diagnosis, matches } = classify(log, library);

    expect(diagnosis?.pattern).toBe('out-of-memory');
    expect(matches.map((m) => m.pattern)).toContain('dns-resolution-failed');
  });

  it('keeps the DNS retries as the cause when pip gives up right after them', () => {
    const log = [
      '$ pip install -r requirements.txt',
      retry(4),
      retry(3),
      retry(2),
      retry(1),
      retry(0),
      'ERROR: Could not find a version that satisfies the requirement torch==2.3.0 (from versions: none)',
      'ERROR: No matching distribution found for torch==2.3.0',
      'ERROR: Job failed: exit code 1',
    ].join('\n');

    expect(classify(log, library).diagnosis?.pattern).toBe('dns-resolution-failed');
  });

  it('names nothing on a job that went on past a service warning and passed', () => {
    const log = [...dind, '$ docker info', 'Server Version: 24.0.7', 'Job succeeded'].join('\n');

    const { diagnosis, matches } = classify(log, library);

    expect(diagnosis).toBeNull();
    expect(matches.map((m) => m.pattern)).toEqual(['service-container-failed']);
  });

  it('names the later failure when the job went on past a service warning and failed', () => {
    const log = [
      ...dind,
      '$ docker build -t app .',
      'ERROR: error during connect: Head "http://docker:2375/_ping": dial tcp: lookup docker on 192.168.10.2:53: no such host',
      'ERROR: Job failed: exit code 1',
    ].join('\n');

    expect(classify(log, library).diagnosis?.pattern).toBe('docker-daemon-unreachable');
  });

  it("ranks the pattern GitLab's failure_reason points at first", () => {
    const log = [
      '$ ./integration-tests.sh',
      'curl: (6) Could not resolve host: staging.internal',
      'WARNING: step_script could not run to completion because the timeout was exceeded. For more control over job and script timeouts see: https://docs.gitlab.com/ci/runners/configure_runners/#set-script-and-after_script-timeouts',
      'ERROR: Job failed: execution took longer than 1h0m0s seconds',
    ].join('\n');

    expect(classify(log, library).diagnosis?.pattern).toBe('dns-resolution-failed');
    expect(
      classify(log, library, { failureReason: 'job_execution_timeout' }).diagnosis?.pattern,
    ).toBe('job-timeout');
  });

  it('puts a full disk before the generic system failure GitLab reports for it', () => {
    // The runner's wording of a Kubernetes eviction (real log 192, socle#532).
    const log = [
      'WARNING: Event retrieved from the cluster: The node was low on resource: ephemeral-storage. Threshold quantity: 16023864137, available: 12671572Ki.',
      'ERROR: Job failed (system failure): pod "dso-gitlab/runner-t1n3fbpd-project-339-concurrent-0-xj0lkphx" is disrupted: reason "TerminationByKubelet"',
    ].join('\n');
    const withReason = classify(log, library, { failureReason: 'runner_system_failure' });

    expect(withReason.diagnosis?.pattern).toBe('disk-full');
    expect(withReason.matches.map((m) => m.pattern)).toContain('runner-system-failure');
    // A system failure with no disk wording stays the runner's.
    expect(
      classify(log.split('\n')[1] as string, library, { failureReason: 'runner_system_failure' })
        .diagnosis?.pattern,
    ).toBe('runner-system-failure');
  });
});
