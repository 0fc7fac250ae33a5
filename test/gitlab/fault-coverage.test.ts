import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGitlabAdapter } from '../../src/gitlab/client.js';
import { FAULTED_CALLS, NOT_INJECTED, type PortMethod } from '../helpers/fault-coverage.js';

/**
 * Every method of the GitLab port meets the fault stories' faults (500, 503 with Retry-After, 429,
 * timeout, reset, malformed JSON) or is exempted with its reason. The stories check their lists
 * against what the simulator faulted, as each request named its port method; this checks the
 * lists against the port, and runs no story of its own.
 */
const port = createGitlabAdapter({ url: 'http://127.0.0.1:9', token: 'unused' });
const methods = Object.keys(port).filter((k) => k !== 'baseUrl') as PortMethod[];
const covered = new Set<string>(Object.values(FAULTED_CALLS).flat());
const exempt = Object.keys(NOT_INJECTED);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('fault injection reaches every method of the GitLab port', () => {
  it('each method is faulted by a story or exempted with a reason, not both', () => {
    expect(methods.length).toBeGreaterThan(50);
    expect(methods.filter((m) => !covered.has(m) && !exempt.includes(m))).toEqual([]);
    expect(exempt.filter((m) => covered.has(m))).toEqual([]);
    expect(exempt.filter((m) => !methods.includes(m as PortMethod))).toEqual([]);
  });

  it('each list is checked by a fault story', () => {
    const stories = readdirSync('test/integration')
      .filter((f) => /^faults.*\.test\.ts$/.test(f))
      .map((f) => readFileSync(join('test/integration', f), 'utf8'))
      .filter((text) => text.includes('expectFaultedCalls('));
    const unchecked = Object.keys(FAULTED_CALLS).filter(
      (story) => !stories.some((text) => text.includes(`'${story}'`)),
    );
    expect(unchecked).toEqual([]);
  });

  it('a method exempted for having no caller has none outside the GitLab adapter', () => {
    const sources = filesUnder('src')
      .filter((f) => f.endsWith('.ts') && !f.startsWith(join('src', 'gitlab')))
      .map((f) => readFileSync(f, 'utf8'));
    const unused = Object.entries(NOT_INJECTED)
      .filter(([, why]) => why === 'no caller')
      .map(([m]) => m);
    expect(unused.filter((m) => sources.some((text) => text.includes(`.${m}(`)))).toEqual([]);
  });
});
