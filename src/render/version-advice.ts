/**
 * Where the job token allowlist lives in GitLab's settings, and how to
 * change it, for each era of GitLab (the setting was renamed three times).
 */

export interface GitlabVersion {
  major: number;
  minor: number;
}

export function parseVersion(version: string | undefined): GitlabVersion | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function atLeast(v: GitlabVersion | undefined, major: number, minor: number): boolean {
  if (!v) return true; // unknown: assume a current GitLab
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** Steps in the UI of project B to add project A. */
export function allowlistUiSteps(
  version: string | undefined,
  target: string,
  source: string,
): string[] {
  const v = parseVersion(version);
  if (!atLeast(v, 16, 3)) {
    return [
      `In ${target}, open **Settings → CI/CD** and expand **Token Access**.`,
      `Leave **Allow access to this project with a CI_JOB_TOKEN** on, and add ${source} to the list of projects below it.`,
    ];
  }
  if (!atLeast(v, 17, 2)) {
    return [
      `In ${target}, open **Settings → CI/CD** and expand **Token Access**.`,
      `Under **Limit access to this project**, select **Add project**, enter ${source} and add it.`,
    ];
  }
  return [
    `In ${target}, open **Settings → CI/CD** and expand **Job token permissions**.`,
    `Under **Authorized groups and projects** (the CI/CD job token allowlist), select **Add → Group or project**, enter ${source} and select **Add**.`,
  ];
}

/** True where only GraphQL can change the allowlist (15.9 to 15.11). */
export function allowlistNeedsGraphql(version: string | undefined): boolean {
  return !atLeast(parseVersion(version), 16, 0);
}

/** From 18.0 the allowlist is enforced for every project unless an admin turned that off. */
export function allowlistEnforced(version: string | undefined): boolean {
  return atLeast(parseVersion(version), 18, 0);
}
