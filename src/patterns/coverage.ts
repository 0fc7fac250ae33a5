import { classify } from './classify.js';
import { buildLibrary } from './compile.js';
import type { Pattern, PatternLibrary } from './library.js';

/** A log that some patterns are expected to win (a real job log, with its index entry). */
export interface EvidenceLog {
  file: string;
  /** Pattern ids this log counts as evidence for. */
  expected: readonly string[];
  text: string;
}

export interface RuleCoverage {
  pattern: string;
  /** Index in the pattern's `match` list. */
  rule: number;
  regex: string;
  /** Real examples and real logs on which this rule alone matches. */
  hits: string[];
}

/**
 * Whether an example shows a wording someone saw in a real job: it names
 * where (a URL or a corpus file) and is not a composition of ours.
 */
export function isRealExample(example: Pattern['examples'][number]): boolean {
  const source = example.source?.trim() ?? '';
  return (
    example.expect.match &&
    source !== '' &&
    !/^composed\b/i.test(source) &&
    /https?:\/\/|\bcorpus\b|\.log\b/.test(source)
  );
}

/**
 * For every rule of every pattern, the real evidence it matches when it is
 * the pattern's only rule: its pattern's real positive examples and the real
 * logs that expect that pattern. A rule with no hit is one nobody has seen
 * fire, so nobody knows whether it works.
 */
export function ruleCoverage(
  library: PatternLibrary,
  logs: readonly EvidenceLog[] = [],
): RuleCoverage[] {
  const out: RuleCoverage[] = [];
  for (const pattern of library.patterns) {
    const evidence = [
      ...pattern.examples
        .filter(isRealExample)
        .map((e) => ({ name: `example "${e.name}"`, text: e.log })),
      ...logs
        .filter((log) => log.expected.includes(pattern.id))
        .map((log) => ({ name: log.file, text: log.text })),
    ];
    pattern.rules.forEach((rule, index) => {
      const alone = buildLibrary([{ ...pattern, rules: [rule] }]);
      const hits = evidence
        .filter((e) => classify(e.text, alone).matches.length > 0)
        .map((e) => e.name);
      out.push({ pattern: pattern.id, rule: index, regex: pattern.match[index]?.regex ?? '', hits });
    });
  }
  return out;
}
