/**
 * What the bot concluded about one failed job: the pattern the log matched,
 * what GitLab says is true now, and the fix. Pure data, shared by the
 * resolvers, the renderer, the store and the one-click flow.
 */

/** Verdicts for an access failure (see the design: image pulls first). */
export type Verdict =
  | 'allowlist-missing'
  /** A is on B's allowlist, but its entry lacks a fine-grained permission the job needed (18.3+). */
  | 'permission-missing'
  | 'user-lacks-access'
  | 'image-not-found'
  | 'tag-not-found'
  /** B exists and may be reached, but the package (or other resource) is not there. */
  | 'resource-not-found'
  | 'project-not-found'
  | 'registry-disabled'
  | 'not-instance-registry'
  | 'unverifiable'
  /** Every check passed: the cause is gone or was passing (retry). */
  | 'access-ok'
  /** The pattern has no resolver: the log alone says what happened. */
  | 'log-only';

export interface Check {
  /** Short id, e.g. `inbound-scope`, `allowlist`, `user-access`, `tag`. */
  check: string;
  result: 'pass' | 'fail' | 'unknown';
  /** One sentence for a person, built with `fact` (its values are marked). */
  detail: string;
  at: string;
}

// Private-use characters around each value of a fact: never in our own words.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKS = /[\uE000\uE001]/g;

/** A sentence of our own words whose values (from a log or from GitLab) are marked. */
export type Fact = string & { readonly fact: unique symbol };

/**
 * Builds a fact: every interpolated value is marked, so whoever shows it
 * can tell our words from values and render values inert (a note puts them
 * in code). The only way to write a check detail or a failure reason.
 */
export function fact(words: TemplateStringsArray, ...values: (string | number)[]): Fact {
  let out = words[0] ?? '';
  values.forEach((value, i) => {
    out += `${OPEN}${String(value).replace(MARKS, '')}${CLOSE}${words[i + 1] ?? ''}`;
  });
  return out as Fact;
}

/** Facts one after the other. */
export function joinFacts(...facts: Fact[]): Fact {
  return facts.join('') as Fact;
}

/** Constant words of our own, chosen in the code (never a value from a log or GitLab). */
export function ownWords(text: string): Fact {
  return text.replace(MARKS, '') as Fact;
}

/** A fact in pieces: our words, and the values between them. */
export function factParts(text: string): { text: string; value: boolean }[] {
  const parts: { text: string; value: boolean }[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf(OPEN);
    const close = open === -1 ? -1 : rest.indexOf(CLOSE, open);
    if (close === -1) break;
    if (open > 0) parts.push({ text: rest.slice(0, open), value: false });
    parts.push({ text: rest.slice(open + 1, close), value: true });
    rest = rest.slice(close + 1);
  }
  if (rest) parts.push({ text: rest.replace(MARKS, ''), value: false });
  return parts;
}

/** Whether a text was built with `fact` (details stored before facts were marked were not). */
export function isFact(text: string): boolean {
  return text.includes(OPEN);
}

/** A fact as plain text, for a terminal or an HTML page (which escape on their own). */
export function factText(text: string): string {
  return text.replace(MARKS, '');
}

export interface Evidence {
  line: string;
  lineNumber: number;
  section: string | null;
  runnerPrefix: boolean;
  /**
   * The runner's own wording while it prepared the job: the only evidence a
   * one-click change may rest on. Absent in diagnoses stored before it was
   * recorded, which therefore earn no offer.
   */
  runnerWritten?: boolean;
}

export interface ProjectInfo {
  id: number;
  path: string;
  webUrl: string;
}

/** A change the bot could make or propose. */
export type Fix =
  | {
      kind: 'allowlist-add';
      /** B: the project whose allowlist gets the entry. */
      target: ProjectInfo;
      /** A: the project whose jobs need in (from the API, never the log). */
      source: ProjectInfo;
    }
  | {
      kind: 'policies-add';
      /** B: the project whose allowlist holds the entry. */
      target: ProjectInfo;
      /** The entry that lets A in (A itself, or a group A is in), as the API listed it. */
      entry: { kind: 'project' | 'group'; path: string };
      /** The permissions GitLab named and the entry lacks; the change keeps the others. */
      add: string[];
    }
  | { kind: 'grant-access'; target: ProjectInfo; username: string; minimumRole: 'Reporter' }
  | { kind: 'use-existing-tag'; image: string; tag: string; tags: string[] }
  | { kind: 'check-image-path'; image: string; candidates: string[] }
  /**
   * No project answers to the path the log named: projects with a similar path that every
   * reader of the note may see (never a private one), most alike first; may be empty.
   */
  | { kind: 'check-project-path'; named: string; similar: string[] }
  | { kind: 'enable-registry'; target: ProjectInfo };

/** What the job tried to reach in project B. */
export interface Resource {
  kind: 'image' | 'repository' | 'package' | 'artifacts' | 'api';
  /** As the log named it (an image reference, a clone URL, a package name, an API path). */
  name: string;
}

export interface Diagnosis {
  patternId: string;
  title: string;
  /** The pattern's plain-words summary and generic advice. */
  summary: string;
  advice?: string;
  category: string;
  /** Whose failure it is, from the pattern: the change's code, a setting, or the infrastructure. */
  blame?: 'code' | 'settings' | 'infrastructure';
  /** Whether running the job again can pass with nothing changed. */
  retryable?: boolean;
  verdict: Verdict;
  /** `verified` when GitLab confirmed it; `suspected` when something could not be checked or the evidence came from the script. */
  confidence: 'verified' | 'suspected';
  evidence: Evidence;
  fields: Record<string, string>;
  checks: Check[];
  /** A: the project whose job failed. */
  project: ProjectInfo;
  /** B: the project that owns the image or resource, when one was found. */
  target?: ProjectInfo & {
    /** Whether people who read the note may see B (else it is named only as the log did). */
    publiclyVisible: boolean;
  };
  fix?: Fix;
  /**
   * A second cause GitLab confirmed that `fix` does not cure: the allowlist entry is missing
   * and so is the image or its tag. The job passes only once both are fixed.
   */
  alsoNeeded?: { verdict: 'image-not-found' | 'tag-not-found'; fix: Fix };
  /** What the job tried to reach; absent for failures that are not about access. */
  resource?: Resource;
  /** Identifies the root cause: the same key is the same incident. */
  rootCauseKey: string;
  /** GitLab version the advice was written for. */
  gitlabVersion?: string;
}

/** The categories worth a comment; a bare script failure is only recorded. */
export function isNoteworthy(diagnosis: Diagnosis): boolean {
  return diagnosis.category !== 'script';
}
