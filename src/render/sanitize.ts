/**
 * Masks secrets in text taken from a job log before it is stored or shown.
 * Runners mask CI/CD variables as [MASKED], but tokens typed into scripts,
 * URLs with credentials and auth headers still appear in logs.
 */
const SECRET_PATTERNS: [RegExp, string][] = [
  // GitLab token prefixes: personal, OAuth, deploy, runner, CI build, trigger, feed, SCIM…
  [
    /\b(?:glpat|gloas|gldt|glrt|glcbt|glptt|glft|glsoat|glimt|glagent|glffct|glrtr|gltst)-[0-9A-Za-z_.-]{8,}/g,
    '[MASKED]',
  ],
  // user:password@ in URLs (git clone https://gitlab-ci-token:<token>@host/…).
  [/(\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s:/@]{1,100}):[^\s@/]{1,400}@/gi, '$1:[MASKED]@'],
  // Header-style credentials.
  [
    /\b((?:private-token|job-token|authorization|x-gitlab-token|deploy-token)\s*[:=]\s*(?:bearer\s+|basic\s+)?)[^\s"',;]{4,}/gi,
    '$1[MASKED]',
  ],
  // CI_JOB_TOKEN / *_TOKEN / *_PASSWORD assignments echoed by scripts.
  [/\b([A-Z0-9_]{0,60}(?:TOKEN|PASSWORD|SECRET|API_KEY)\s*=\s*)[^\s"'$]{4,}/g, '$1[MASKED]'],
];

export function maskSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret.length >= 6) out = out.split(secret).join('[MASKED]');
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
