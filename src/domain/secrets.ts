/**
 * The one rule that masks secrets, wherever text leaves the bot or is kept:
 * its own log lines, the notes it posts, the database, setting errors.
 * Runners mask CI/CD variables as [MASKED], but tokens typed into scripts,
 * URLs with credentials and auth headers still appear in job logs. Pure.
 *
 * Every pattern stops at quotes and backslashes, so masking a JSON text
 * never joins two strings into one or breaks an escape.
 */

export const MASK = '[MASKED]';

/**
 * GitLab's token prefixes: personal/project/group access, OAuth application
 * secret, deploy, runner (and its registration form), CI/CD job, pipeline
 * trigger, feed, incoming mail, Kubernetes agent, SCIM, feature-flag client,
 * workspace, CI instance and test tokens. An instance may put its own prefix
 * in front (`acme-glpat-…`), so nothing is required before the prefix.
 */
export const GITLAB_TOKEN_PREFIXES = [
  'glpat',
  'gloas',
  'gldt',
  'glrt',
  'glrtr',
  'glcbt',
  'glptt',
  'glft',
  'glimt',
  'glagent',
  'glsoat',
  'glffct',
  'glwt',
  'glcip',
  'gltst',
] as const;

const SECRET_PATTERNS: readonly [RegExp, string][] = [
  // Prefixed GitLab tokens; routable ones carry dots, JWT job tokens too.
  [new RegExp(`(?:${GITLAB_TOKEN_PREFIXES.join('|')})-[0-9A-Za-z_.-]{8,}`, 'g'), MASK],
  // Runner registration tokens of the legacy workflow.
  [/GR1348941[0-9A-Za-z_-]{8,}/g, MASK],
  // JSON Web Tokens (CI_JOB_JWT, id_tokens, JWT-shaped job tokens).
  [/eyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}/g, MASK],
  // user:password@ in URLs (git clone https://gitlab-ci-token:<CI_JOB_TOKEN>@host/…).
  [/(\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s:/@"'\\]{1,100}):[^\s@/"'\\]{1,400}@/gi, `$1:${MASK}@`],
  // Header-style credentials (JOB-TOKEN: <CI_JOB_TOKEN>, PRIVATE-TOKEN, Authorization).
  [
    /\b((?:private-token|job-token|authorization|x-gitlab-token|deploy-token)\s*[:=]\s*(?:bearer\s+|basic\s+)?)[^\s"',;\\]{4,}/gi,
    `$1${MASK}`,
  ],
  // CI_JOB_TOKEN / *_TOKEN / *_PASSWORD assignments echoed by scripts.
  [/\b([A-Z0-9_]{0,60}(?:TOKEN|PASSWORD|SECRET|API_KEY)\s*=\s*)[^\s"'$\\]{4,}/g, `$1${MASK}`],
];

/**
 * Masks every secret the rule knows, and the literal values in `extra` (the
 * bot's own tokens). Idempotent: masking masked text changes nothing.
 */
export function maskSecrets(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const secret of extra) {
    // A value the mask itself contains would be found again in the mask.
    if (secret.length >= 6 && !MASK.includes(secret)) out = out.split(secret).join(MASK);
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
