import { z } from 'zod';

/**
 * The format of one pattern file (`patterns/<category>/<id>.yaml`). Patterns
 * are data so users can add their own; this schema is the contract.
 */

export const CATEGORIES = [
  'registry',
  'job-token',
  'network',
  'credentials',
  'resources',
  'runner',
  'script',
  'dependencies',
  'tests',
  'build',
  'exec',
  'git',
] as const;

/**
 * Whose failure it is: the change's own work (code, tests, build script),
 * a setting or credential outside the code (allowlists, registry logins,
 * image names), or the machines and services the job ran on.
 */
export const BLAMES = ['code', 'settings', 'infrastructure'] as const;

/** Resolvers a later stage runs to verify a match against GitLab. */
export const RESOLVERS = [
  'registry-access',
  'repo-access',
  'package-access',
  'artifacts-access',
  'api-access',
  'job-token-policies',
  'none',
] as const;

const RegexFlags = z
  .string()
  .regex(/^[imsu]*$/, 'only the flags i, m, s and u are allowed (matching is per line)');

/** A line near the matched one that must (or may) be there; its named groups add fields. */
export const ContextRule = z
  .object({
    regex: z.string().min(1),
    flags: RegexFlags.optional(),
    /** A line that also matches this regex does not count (RE2 has no negative lookahead). */
    unless: z.string().min(1).optional(),
    /** How many lines before the matched line to look at. */
    within: z.number().int().min(1).max(100).default(30),
    /** When false the context only contributes fields and never blocks the match. */
    required: z.boolean().default(true),
  })
  .strict();
export type ContextRule = z.infer<typeof ContextRule>;

export const MatchRule = z
  .object({
    regex: z.string().min(1),
    flags: RegexFlags.optional(),
    /** A line that also matches this regex is not a match (RE2 has no negative lookahead). */
    unless: z.string().min(1).optional(),
    /**
     * Accepted so that older pattern files still load, and ignored: the
     * engine finds the lines worth matching from the regex itself.
     */
    keywords: z.array(z.string()).optional(),
    /** The line must lie in one of these runner sections. */
    sections: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/)).min(1).optional(),
    /** true: only lines the runner wrote before the script; false: only script output. */
    runnerPrefix: z.boolean().optional(),
    /**
     * The line reports a retry or a warning the job may recover from (a DNS
     * retry, a cache miss): when the job went on after it, any cause found
     * later outranks it.
     */
    transient: z.boolean().optional(),
    context: z.array(ContextRule).optional(),
  })
  .strict();
export type MatchRule = z.infer<typeof MatchRule>;

export const Example = z
  .object({
    name: z.string().min(1),
    /** Where the wording comes from (a URL or a source file), for real-world examples. */
    source: z.string().optional(),
    log: z.string(),
    expect: z
      .object({
        match: z.boolean(),
        /** Fields the match must yield (a subset of what it captures). */
        fields: z.record(z.string(), z.string()).optional(),
        runnerPrefix: z.boolean().optional(),
      })
      .strict(),
  })
  .strict();
export type Example = z.infer<typeof Example>;

export const PatternFile = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case, e.g. registry-pull-denied'),
    title: z.string().min(1),
    category: z.enum(CATEGORIES),
    /** Higher wins when several patterns match one log. */
    priority: z.number().int().min(0).max(1000),
    resolver: z.enum(RESOLVERS),
    /** Whose failure it is (see BLAMES); the note tells the developer. */
    blame: z.enum(BLAMES).optional(),
    /** Whether running the job again can pass without any change (a passing outage). */
    retryable: z.boolean().optional(),
    /**
     * GitLab `failure_reason` values that point at this pattern (e.g.
     * `job_execution_timeout`): when the job's reason is one of them, this
     * pattern's match outranks the others.
     */
    failureReasons: z.array(z.string().regex(/^[a-z_]+$/)).optional(),
    summary: z.string().min(1),
    /** Generic advice shown when no resolver can say more. */
    fix: z.string().min(1).optional(),
    references: z.array(z.string()).optional(),
    match: z.array(MatchRule).min(1),
    examples: z.array(Example).min(1),
  })
  .strict();
export type PatternFile = z.infer<typeof PatternFile>;
