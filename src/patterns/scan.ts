import RE2 from 're2';
import { lineAt, type CleanBlock } from './log-blocks.js';
import type { Pattern } from './library.js';
import { inlineFlags, widenForScan, type Regex } from './regex.js';

/**
 * The one pass over each block: an RE2.Set holding a widened form of every
 * rule (see `widenForScan`) says which rules can match anywhere in the
 * block, and only for those are the lines found and matched exactly. A
 * block in which no rule can match costs one automaton run and nothing else.
 */
export interface RuleScanner {
  /** Candidate lines of the block: [line index, pattern index], by line. */
  candidates(block: CleanBlock, skip: ReadonlySet<number>): [number, number][];
  /** Whether the block has control characters the fast cleaning path leaves (see log-blocks.ts). */
  needsFullClean(block: CleanBlock): boolean;
}

// C0 controls other than tab, `\n` and a CRLF's `\r`, DEL, and the 8-bit CSI (U+009B).
const STRAY_CONTROLS = '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\x{9b}]';
// Room for the set's automaton; past it RE2 gives up and every rule is tried.
const SET_MEMORY = 64 << 20;

interface Member {
  pattern: number;
  finder: Regex;
}

export function createRuleScanner(patterns: readonly Pattern[]): RuleScanner {
  const members: Member[] = [];
  const sources: string[] = [];
  patterns.forEach((pattern, index) => {
    for (const rule of pattern.rules) {
      const source = inlineFlags(rule.regex.source, rule.regex.flags);
      let finder: Regex;
      try {
        finder = new RE2(inlineFlags(widenForScan(rule.regex.source), rule.regex.flags), 'm');
      } catch {
        // The widening is an optimisation; the rule itself always works.
        finder = new RE2(source, 'm');
      }
      members.push({ pattern: index, finder });
      sources.push(finder.source);
    }
  });
  const controls = members.length;
  const set = new RE2.Set([...sources, STRAY_CONTROLS], 'm', { maxMem: SET_MEMORY });
  const all = Array.from({ length: controls + 1 }, (_, i) => i);
  let lastText: Buffer | undefined;
  let lastHits: number[] = [];

  function hits(text: Buffer): number[] {
    if (text === lastText) return lastHits;
    let found: number[];
    try {
      found = set.match(text);
    } catch {
      // Out of memory for this block: let every rule look for itself.
      found = all;
    }
    lastText = text;
    lastHits = found;
    return found;
  }

  return {
    needsFullClean(block) {
      return hits(block.text).includes(controls);
    },
    candidates(block, skip) {
      const found: [number, number][] = [];
      const seen = new Set<number>();
      for (const m of hits(block.text)) {
        const member = members[m];
        if (!member || skip.has(member.pattern)) continue;
        for (const line of findLines(block, member.finder)) {
          const key = line * patterns.length + member.pattern;
          if (seen.has(key)) continue;
          seen.add(key);
          found.push([line, member.pattern]);
        }
      }
      // Reset after each block: the text buffer is reused for the next one.
      lastText = undefined;
      return found.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    },
  };
}

/** Lines of the block in which `finder` matches, in order. */
function* findLines(block: CleanBlock, finder: Regex): Generator<number> {
  const { text, starts, count } = block;
  let from = 0;
  while (from < text.length) {
    const at = finder.search(from === 0 ? text : text.subarray(from));
    if (at < 0) return;
    const line = lineAt(block, from + at);
    yield line;
    if (line + 1 >= count) return;
    from = starts[line + 1] as number;
  }
}
