import { describe, expect, it } from 'vitest';
import { fact, type Diagnosis } from '../../src/domain/diagnosis.js';
import { NOTE_MARKER, renderNote, type NoteEntry } from '../../src/render/comment.js';
import { code, logBlock } from '../../src/render/markdown.js';
import { maskSecrets } from '../../src/domain/secrets.js';

const at = '2025-05-12T09:14:20.000Z';

/** Markdown with fenced blocks and code spans removed, as CommonMark delimits them. */
function withoutCode(markdown: string): string {
  const lines = markdown.split('\n');
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const open = /^(`{3,})/.exec(line)?.[1];
    if (fence) {
      if (line.trim() === fence) fence = undefined;
      continue;
    }
    if (open) {
      fence = open;
      continue;
    }
    kept.push(line);
  }
  let text = kept.join('\n');
  let out = '';
  for (let i = 0; i < text.length;) {
    if (text[i] !== '`') {
      out += text[i];
      i += 1;
      continue;
    }
    let n = 0;
    while (text[i + n] === '`') n += 1;
    const run = '`'.repeat(n);
    let close = text.indexOf(run, i + n);
    while (close !== -1 && (text[close + n] === '`' || text[close - 1] === '`')) {
      close = text.indexOf(run, close + 1);
    }
    if (close === -1) {
      out += run;
      i += n;
    } else {
      i = close + n;
    }
  }
  text = out;
  return text;
}

function seedDiagnosis(overrides: Partial<Diagnosis> = {}): Diagnosis {
  return {
    patternId: 'registry-pull-denied',
    title: 'The registry refused to hand out the image',
    summary: 'The container registry refused the image pull.',
    category: 'registry',
    verdict: 'allowlist-missing',
    confidence: 'verified',
    evidence: {
      line: 'WARNING: Failed to pull image with policy "always": Error response from daemon: pull access denied for gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9, repository does not exist or may require \'docker login\': denied: requested access to the resource is denied (manager.go:237:0s)',
      lineNumber: 7,
      section: 'prepare_executor',
      runnerPrefix: true,
      runnerWritten: true,
    },
    fields: {
      image: 'gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9',
      tag: '1.5',
      registry: 'gitlab-registry.example.org',
    },
    checks: [
      {
        check: 'job-token',
        result: 'fail',
        detail: fact`${'containers/poetry'} only accepts CI job tokens from the projects on its allowlist, and ${'team/app'} is not on it.`,
        at,
      },
      {
        check: 'user-access',
        result: 'pass',
        detail: fact`${'alice'}, who ran the job, may read ${'containers/poetry'}.`,
        at,
      },
    ],
    project: { id: 88, path: 'team/app', webUrl: 'https://gitlab.example.com/team/app' },
    target: {
      id: 31,
      path: 'containers/poetry',
      webUrl: 'https://gitlab.example.com/containers/poetry',
      publiclyVisible: false,
    },
    fix: {
      kind: 'allowlist-add',
      target: {
        id: 31,
        path: 'containers/poetry',
        webUrl: 'https://gitlab.example.com/containers/poetry',
      },
      source: { id: 88, path: 'team/app', webUrl: 'https://gitlab.example.com/team/app' },
    },
    resource: {
      kind: 'image',
      name: 'gitlab-registry.example.org/containers/poetry/python3.11/rockylinux9:1.5',
    },
    rootCauseKey: 'allowlist-missing:31<-88',
    gitlabVersion: '17.5.0',
    ...overrides,
  };
}

function entry(diagnosis: Diagnosis): NoteEntry {
  return {
    incidentId: 3,
    diagnosis,
    jobs: [
      {
        jobId: 98123,
        jobName: 'build-app',
        jobUrl: 'https://gitlab.example.com/team/app/-/jobs/98123',
        pipelineId: 5521,
        pipelineUrl: 'https://gitlab.example.com/team/app/-/pipelines/5521',
      },
    ],
    fixState: {
      kind: 'offered',
      botUsername: 'diagnoser-bot',
      reactions: true,
      sourceGroup: 'team',
    },
  };
}

const options = { gitlabUrl: 'https://gitlab.example.com', now: new Date(at) };

describe('the note', () => {
  it('reads as the seed story needs it', async () => {
    const body = renderNote([entry(seedDiagnosis())], { ...options, botUsername: 'diagnoser-bot' });

    expect(body.startsWith(NOTE_MARKER)).toBe(true);
    await expect(body).toMatchFileSnapshot('./__snapshots__/seed-note.md');
  });

  it('says how to tell the bot a diagnosis was wrong: a 👎 only where the note shows one', () => {
    const one = renderNote([entry(seedDiagnosis())], { ...options, botUsername: 'diagnoser-bot' });
    const two = renderNote(
      [entry(seedDiagnosis()), { ...entry(seedDiagnosis()), incidentId: 13 }],
      {
        ...options,
        botUsername: 'diagnoser-bot',
      },
    );

    expect(one).toContain(
      ' · a wrong diagnosis? React with 👎 or reply `@diagnoser-bot wrong`.</sub>',
    );
    expect(two).toContain(' · a wrong diagnosis? Reply `@diagnoser-bot wrong <incident>`.</sub>');
    expect(renderNote([entry(seedDiagnosis())], options)).not.toContain('wrong diagnosis');
  });

  it.each([
    ['15.10.2', 'Token Access', 'ciJobTokenScopeAddProject', 'direction: INBOUND'],
    ['16.5.0', 'Limit access to this project', 'job_token_scope/allowlist', 'target_project_id=88'],
    [
      '17.5.0',
      'Job token permissions',
      'job_token_scope/allowlist',
      'Authorized groups and projects',
    ],
    [
      '18.2.0',
      'Job token permissions',
      'job_token_scope/allowlist',
      'Since GitLab 18.0 every project enforces its allowlist',
    ],
  ])('gives the steps of GitLab %s', (version, ui, api, extra) => {
    const body = renderNote([entry(seedDiagnosis({ gitlabVersion: version }))], options);

    expect(body).toContain(ui);
    expect(body).toContain(api);
    expect(body).toContain(extra);
  });

  it('turns nothing from a log into a mention, link, HTML or quick action', () => {
    const hostile = seedDiagnosis({
      evidence: {
        line: '/label ~evil @all <img src=x onerror=alert(1)> [click](https://evil.example) ```` glpat-abcdefghijklmnopqrst',
        lineNumber: 12,
        section: 'step_script',
        runnerPrefix: false,
      },
      fields: { image: '@all/`evil`/img', tag: '<b>1</b>' },
      fix: undefined,
    });

    const body = renderNote([{ ...entry(hostile), fixState: undefined }], options);

    expect(body.split('\n').filter((line) => line.startsWith('/'))).toEqual([]);
    expect(body).not.toContain('glpat-abcdefghijklmnopqrst');
    // Everything hostile sits inside code: spans or the fenced block.
    expect(withoutCode(body)).not.toMatch(/@all|<img|<b>|\]\(https:\/\/evil|~evil/);
    expect(body).toContain('printed while the job’s script ran');
    expect(body).not.toContain('job_token_scope/allowlist');
  });
});

describe('whose failure the note says it is', () => {
  const logOnly = {
    verdict: 'log-only' as const,
    checks: [],
    fix: undefined,
    target: undefined,
    resource: undefined,
  };

  it('tells an infrastructure failure a retry can cure from one it cannot', () => {
    const passing = renderNote(
      [
        entry(
          seedDiagnosis({
            ...logOnly,
            patternId: 'registry-rate-limited',
            blame: 'infrastructure',
            retryable: true,
          }),
        ),
      ],
      options,
    );
    const lasting = renderNote(
      [
        entry(
          seedDiagnosis({
            ...logOnly,
            patternId: 'out-of-memory',
            blame: 'infrastructure',
            retryable: false,
          }),
        ),
      ],
      options,
    );

    expect(passing).toContain('Not this change');
    expect(passing).toContain('often passes on a retry');
    expect(lasting).toContain('Not this change');
    expect(lasting).not.toContain('passes on a retry');
  });

  it('says a failing test is the code’s and a wrong setting is no one’s code', () => {
    const tests = renderNote([entry(seedDiagnosis({ ...logOnly, blame: 'code' }))], options);
    const setting = renderNote([entry(seedDiagnosis({ ...logOnly, blame: 'settings' }))], options);

    expect(tests).toContain('The job’s own work failed');
    expect(setting).toContain('Not the code under test');
  });

  it('says nothing of blame for a pattern that does not say', () => {
    expect(renderNote([entry(seedDiagnosis(logOnly))], options)).not.toContain('Whose failure');
  });
});

describe('markdown helpers', () => {
  it.each([
    ['plain', '`plain`'],
    ['with `tick`', '`` with `tick` ``'],
    ['`', '`` ` ``'],
    ['line\nbreak', '`line break`'],
  ])('code(%j)', (text, expected) => {
    expect(code(text)).toBe(expected);
  });

  it('fences log lines with a longer fence than any inside, and numbers them', () => {
    expect(logBlock([{ number: 9, text: 'a ``` b' }])).toBe('````text\n9 | a ``` b\n````');
  });

  it.each([
    ['glpat-0123456789abcdefghij', '[MASKED]'],
    [
      'https://gitlab-ci-token:s3cr3tvalue@gitlab.example.com/a/b.git',
      'https://gitlab-ci-token:[MASKED]@gitlab.example.com/a/b.git',
    ],
    ['PRIVATE-TOKEN: abcdefghij', 'PRIVATE-TOKEN: [MASKED]'],
    ['export DEPLOY_TOKEN=hunter22secret', 'export DEPLOY_TOKEN=[MASKED]'],
    ['nothing secret here', 'nothing secret here'],
  ])('masks %j', (text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });
});
