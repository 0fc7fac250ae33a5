import { RE2 } from './re2.js';
import { TRACKER_TRIGGERS } from './clean-log.js';
import { lineAt, type CleanBlock } from './log-blocks.js';
import { inlineFlags, widenForScan, type Regex, type RuleRegex } from './regex.js';
import { startSetWorker, type SetWorker } from './set-worker.js';

/**
 * The one pass over each block: an RE2.Set holding a widened form of every
 * rule (see `widenForScan`) says which rules can match anywhere in the
 * block, and only for those are the lines found and matched exactly. A
 * block in which no rule can match costs one automaton run and nothing else.
 */
export interface RuleScanner {
  /** The members of the set that match somewhere in `text`. */
  match(text: Buffer): number[];
  /** The same set in a worker thread, started on first use; undefined when it cannot run. */
  worker(): SetWorker | undefined;
  /** The worker when it has been started, without starting it. */
  runningWorker(): SetWorker | undefined;
  /** What `worker()` starts the worker with (the build keeps it, see `prestartSetWorker`). */
  workerSet?(): WorkerSet;
  /** Whether the block has control characters the fast cleaning path leaves (see log-blocks.ts). */
  needsFullClean(hits: readonly number[]): boolean;
  /** Lines that may change the line tracker's state (see `TRACKER_TRIGGERS`), in order, found as they are read. */
  triggerLines(block: CleanBlock, hits: readonly number[]): Iterable<number>;
  /** Candidate lines of the block: [line index, pattern index], by line. */
  candidates(
    block: CleanBlock,
    hits: readonly number[],
    skip: ReadonlySet<number>,
  ): [number, number][];
}

// C0 controls other than tab, `\n` and a CRLF's `\r`, DEL, and the 8-bit CSI (U+009B).
const STRAY_CONTROLS = '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\x{9b}]';
// Room for the set's automaton; past it RE2 gives up and every rule is tried.
const SET_MEMORY = 64 << 20;
// A block's cleaned text is at most a block, the lines held back and one capped line.
const WORKER_SLOT_BYTES = 2 << 20;

interface Member {
  pattern: number;
  rule: Pick<RuleRegex, 'source' | 'flags'>;
  /** The member's source in the set: the widened rule, or the rule itself when its widening does not compile. */
  source: string;
  /** Compiled the first time the set reports the member. */
  finder?: Regex;
}

/** What the scanner reads of a pattern: its rules' regexes, with their set member when it is known. */
export interface ScannedPattern {
  rules: readonly { regex: Pick<RuleRegex, 'source' | 'flags' | 'scan'> }[];
}

export interface WorkerSet {
  sources: string[];
  maxMem: number;
  capacity: number;
}

/** A rule's member of the set: its widened form with its flags inline (see `widenForScan`). */
export const scanSource = (regex: Pick<RuleRegex, 'source' | 'flags'>): string =>
  inlineFlags(widenForScan(regex.source), regex.flags);

export function createRuleScanner(patterns: readonly ScannedPattern[]): RuleScanner {
  const members: Member[] = [];
  patterns.forEach((pattern, index) => {
    for (const { regex } of pattern.rules) {
      const source = regex.scan ?? scanSource(regex);
      members.push({ pattern: index, rule: regex, source });
    }
  });
  const controls = members.length;
  const extra = [STRAY_CONTROLS, ...TRACKER_TRIGGERS];
  const triggers = new Map<number, Regex>(
    TRACKER_TRIGGERS.map((trigger, i) => [controls + 1 + i, new RE2(trigger, 'm')]),
  );
  const sources = () => [...members.map((m) => m.source), ...extra];
  let set: InstanceType<typeof RE2.Set>;
  try {
    set = new RE2.Set(sources(), 'm', { maxMem: SET_MEMORY });
  } catch {
    // The widening is an optimisation; a rule whose widened form RE2 refuses goes in as it is.
    for (const member of members) {
      try {
        new RE2(member.source, 'm');
      } catch {
        member.source = inlineFlags(member.rule.source, member.rule.flags);
      }
    }
    set = new RE2.Set(sources(), 'm', { maxMem: SET_MEMORY });
  }
  const finder = (member: Member) => (member.finder ??= new RE2(member.source, 'm'));
  const all = Array.from({ length: set.size }, (_, i) => i);
  let worker: SetWorker | undefined | null = null;

  return {
    match(text) {
      try {
        return set.match(text);
      } catch {
        // Out of memory for this block: let every rule look for itself.
        return all;
      }
    },
    worker() {
      if (worker === null) worker = startSetWorker(sources(), SET_MEMORY, WORKER_SLOT_BYTES);
      return worker;
    },
    runningWorker() {
      return worker ?? undefined;
    },
    workerSet() {
      return { sources: sources(), maxMem: SET_MEMORY, capacity: WORKER_SLOT_BYTES };
    },
    needsFullClean(hits) {
      return hits.includes(controls);
    },
    triggerLines(block, hits) {
      const found: Iterator<number>[] = [];
      for (const m of hits) {
        const finder = triggers.get(m);
        if (finder) found.push(findLines(block, finder));
      }
      return mergeLines(found);
    },
    candidates(block, hits, skip) {
      const found: [number, number][] = [];
      const seen = new Set<number>();
      for (const m of hits) {
        const member = members[m];
        if (!member || skip.has(member.pattern)) continue;
        for (const line of findLines(block, finder(member))) {
          const key = line * patterns.length + member.pattern;
          if (seen.has(key)) continue;
          seen.add(key);
          found.push([line, member.pattern]);
        }
      }
      return found.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    },
  };
}

/** The lines of several sorted streams, in order, each once. */
function* mergeLines(streams: Iterator<number>[]): Generator<number> {
  const heads = streams.map((stream) => stream.next());
  let last = -1;
  for (;;) {
    let best = -1;
    heads.forEach((head, i) => {
      if (!head.done && (best === -1 || head.value < (heads[best]?.value as number))) best = i;
    });
    if (best === -1) return;
    const line = heads[best]?.value as number;
    heads[best] = (streams[best] as Iterator<number>).next();
    if (line !== last) yield line;
    last = line;
  }
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
