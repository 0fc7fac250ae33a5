import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { fact, type Diagnosis, type Fix, type Verdict } from '../../src/domain/diagnosis.js';
import { classify } from '../../src/patterns/classify.js';
import { loadLibrary } from '../../src/patterns/load.js';
import type { FixState } from '../../src/domain/fix-state.js';
import { renderNote, type NoteEntry } from '../../src/render/comment.js';

/**
 * GitLab renders notes as CommonMark with autolinks and HTML, then turns
 * `@user`, `#1`, `!1`, `~label`, `%milestone`, `$1`, `&1`, `[[wiki]]` and
 * commit SHAs in text into live references, and runs quick actions from
 * lines starting with `/`. Code spans, fenced blocks and link labels are
 * left alone. This parses a note the same way and reports anything live.
 */
const md = new MarkdownIt({ html: true, linkify: true });
const REFERENCE =
  /(?:^|[^\w`\\])(?:@[\w.-]|#\d|!\d|\$\d|&\d|~["\w]|%["\w]|\*iteration:)|\[\[|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b|www\.|:\/\/|\b[\w.+-]+@[\w-]+\.\w/i;
const OWN_HTML = /^(?:<\/?sub>|<!-- pipeline-diagnoser:[\w=,-]+ -->\n?)$/;

function liveParts(body: string, allowedLinks: Set<string>): string[] {
  const live: string[] = [];
  for (const line of body.split('\n')) {
    if (/^\s{0,3}\//.test(line)) live.push(`quick action ${line}`);
  }
  for (const token of md.parse(body, {})) {
    if (token.type === 'html_block' && !OWN_HTML.test(token.content)) live.push(token.content);
    if (token.type !== 'inline') continue;
    let inLink = 0;
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') {
        inLink += 1;
        const href = String(child.attrGet('href') ?? '');
        if (child.markup === 'linkify' || !allowedLinks.has(href)) live.push(`link ${href}`);
      }
      if (child.type === 'link_close') inLink -= 1;
      if (child.type === 'image') live.push(`image ${String(child.attrGet('src') ?? '')}`);
      if (child.type === 'html_inline' && !OWN_HTML.test(child.content)) live.push(child.content);
      if (child.type === 'text' && inLink === 0 && REFERENCE.test(child.content)) {
        live.push(child.content);
      }
    }
  }
  return live;
}

const dangerous = fc.constantFrom(
  '@all',
  '@mallory',
  '#1',
  '!2',
  '$3',
  '&4',
  '~evil',
  '~"bad label"',
  '%v1.0',
  '%"sprint 1"',
  '[[wiki]]',
  'group/project#5',
  'deadbeef1234',
  'www.evil-example.com',
  'https://evil.example/x',
  'a@b.example',
  '<img src=x onerror=alert(1)>',
  '</sub>',
  '<!--',
  '[x](https://evil.example)',
  '![i](https://evil.example/i.png)',
  '\n/assign @mallory',
  '\r\n/label ~x',
  '`',
  '```',
  '~~~',
  '\\',
  '*',
  '_',
  '|',
  '<https://evil.example>',
  '\u202e',
  '\u2028',
);
/** A value as a log (or a project the log names) may carry it. */
const hostile = fc
  .array(fc.oneof(dangerous, fc.string({ unit: 'binary', maxLength: 12 })), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(''));

const library = loadLibrary();
const at = '2025-05-12T09:14:20.000Z';
const JOB_URL = 'https://gitlab.example.com/team/app/-/jobs/98123';
const PIPELINE_URL = 'https://gitlab.example.com/team/app/-/pipelines/5521';
const VERDICTS: Verdict[] = [
  'allowlist-missing',
  'permission-missing',
  'user-lacks-access',
  'image-not-found',
  'tag-not-found',
  'resource-not-found',
  'project-not-found',
  'registry-disabled',
  'not-instance-registry',
  'unverifiable',
  'access-ok',
  'log-only',
];
const KINDS = ['image', 'repository', 'package', 'artifacts', 'api'] as const;

function hostileFix(kind: Fix['kind'], v: string): Fix {
  const b = { id: 31, path: `containers/${v}`, webUrl: 'https://gitlab.example.com/c/p' };
  const a = { id: 88, path: 'team/app', webUrl: 'https://gitlab.example.com/team/app' };
  switch (kind) {
    case 'allowlist-add':
      return { kind, target: b, source: a };
    case 'grant-access':
      return { kind, target: b, username: v, minimumRole: 'Reporter' };
    case 'use-existing-tag':
      return { kind, image: v, tag: v, tags: [v, `${v}2`] };
    case 'check-image-path':
      return { kind, image: v, candidates: [v] };
    case 'check-project-path':
      return { kind, named: v, similar: [v, `team/${v}`] };
    case 'enable-registry':
      return { kind, target: b };
    case 'policies-add':
      return { kind, target: b, entry: { kind: 'group', path: `team/${v}` }, add: [v] };
  }
}

function hostileState(kind: FixState['kind'], v: string): FixState {
  switch (kind) {
    case 'offered':
      return { kind, botUsername: 'diagnoser-bot', reactions: true, sourceGroup: 'team' };
    case 'applied':
      return {
        kind,
        by: v,
        at,
        entry: 'project',
        retried: [{ jobName: v, jobUrl: JOB_URL, status: v }],
      };
    case 'pending':
      return { kind, op: 'add', by: v, at };
    case 'fixed-by-hand':
      return { kind, at };
    case 'reverted':
      return { kind, by: v, at };
    case 'failed':
      return { kind, reason: fact`GitLab refused the change: ${v}` };
  }
}

const scenario = fc.record({
  value: hostile,
  logLine: hostile,
  patternIndex: fc.nat(),
  verdict: fc.constantFrom(...VERDICTS),
  kind: fc.constantFrom(...KINDS),
  fixKind: fc.option(
    fc.constantFrom<Fix['kind']>(
      'allowlist-add',
      'grant-access',
      'use-existing-tag',
      'check-image-path',
      'check-project-path',
      'enable-registry',
      'policies-add',
    ),
  ),
  state: fc.option(
    fc.constantFrom<FixState['kind']>(
      'offered',
      'applied',
      'pending',
      'fixed-by-hand',
      'reverted',
      'failed',
    ),
  ),
  open: fc.boolean(),
  suspected: fc.boolean(),
  runnerPrefix: fc.boolean(),
  version: fc.constantFrom('15.10.2', '16.5.0', '17.5.0', '18.2.0'),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function hostileEntry(s: Scenario): NoteEntry {
  const pattern = library.patterns[s.patternIndex % library.patterns.length];
  if (!pattern) throw new Error('empty library');
  const v = s.value;
  const d: Diagnosis = {
    patternId: pattern.id,
    title: pattern.title,
    summary: pattern.summary,
    ...(pattern.fix ? { advice: pattern.fix } : {}),
    category: pattern.category,
    verdict: s.verdict,
    confidence: s.suspected ? 'suspected' : 'verified',
    evidence: { line: s.logLine, lineNumber: 3, section: v, runnerPrefix: s.runnerPrefix },
    fields: { image: v, tag: v, registry: v, url: v, package: v, host: v },
    checks: [
      { check: v, result: 'fail', detail: fact`The log names ${v}, which the bot checked.`, at },
      { check: 'job-token', result: 'unknown', detail: fact`${v} is ${v}.`, at },
      // As stored before values were marked.
      { check: 'tag', result: 'pass', detail: `The tag ${v} exists.`, at },
    ],
    project: { id: 88, path: 'team/app', webUrl: 'https://gitlab.example.com/team/app' },
    target: {
      id: 31,
      path: `containers/${v}`,
      webUrl: 'https://gitlab.example.com/c/p',
      publiclyVisible: s.open,
    },
    ...(s.fixKind ? { fix: hostileFix(s.fixKind, v) } : {}),
    resource: { kind: s.kind, name: v },
    rootCauseKey: 'k',
    gitlabVersion: s.version,
  };
  return {
    incidentId: 12,
    diagnosis: d,
    jobs: [{ jobId: 1, jobName: v, jobUrl: JOB_URL, pipelineId: 5, pipelineUrl: PIPELINE_URL }],
    ...(s.state ? { fixState: hostileState(s.state, v) } : {}),
  };
}

const allowed = new Set([JOB_URL, PIPELINE_URL]);

const options = { gitlabUrl: 'https://gitlab.example.com', now: new Date(at) };

describe('a note has nothing live outside code, whatever the log said', () => {
  it('finds what it should find (the checker itself)', () => {
    expect(liveParts('see @all and #1 and www.x.org', allowed)).not.toEqual([]);
    expect(liveParts('<img src=x>', allowed)).toEqual(['<img src=x>']);
    expect(liveParts('a\n/assign @me', allowed).length).toBeGreaterThan(0);
    expect(liveParts('`@all #1 www.x.org`', allowed)).toEqual([]);
    expect(liveParts(`[@all](${JOB_URL})`, allowed)).toEqual([]);
    expect(liveParts('Incident #1', allowed)).toEqual(['Incident #1']);
  });

  it('every field, check detail, reason and state of one or two causes', () => {
    fc.assert(
      fc.property(fc.array(scenario, { minLength: 1, maxLength: 2 }), (scenarios) => {
        const body = renderNote(scenarios.map(hostileEntry), options);
        expect(liveParts(body, allowed)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('what the classifier takes from any log text', () => {
    const lines = library.patterns.flatMap((p) =>
      p.examples.filter((e) => e.expect.match).map((e) => e.log),
    );
    fc.assert(
      fc.property(fc.constantFrom(...lines), hostile, fc.nat(), (log, v, where) => {
        // The hostile text replaces a word of a real failure, so the pattern still matches.
        const words = log.split(' ');
        words[where % words.length] = v;
        const match = classify(words.join(' '), library).diagnosis;
        if (!match) return;
        const pattern = library.byId.get(match.pattern);
        if (!pattern) return;
        const d: Diagnosis = {
          patternId: pattern.id,
          title: pattern.title,
          summary: pattern.summary,
          category: pattern.category,
          verdict: 'log-only',
          confidence: 'suspected',
          evidence: {
            line: match.text,
            lineNumber: match.line,
            section: match.section,
            runnerPrefix: match.runnerPrefix,
          },
          fields: match.fields,
          checks: [],
          project: { id: 88, path: 'team/app', webUrl: 'https://gitlab.example.com/team/app' },
          resource: { kind: 'image', name: match.fields.image ?? v },
          rootCauseKey: 'k',
        };
        const body = renderNote([{ incidentId: 3, diagnosis: d, jobs: [] }], options);
        expect(liveParts(body, allowed)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
