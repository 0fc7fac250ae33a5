/** A problem with one setting, for people: printed as `message` alone. */
export interface ConfigIssue {
  /** The setting as the user wrote it: an env var (`GITLAB_URL`), a file key (`config.yaml: schedule`) or a flag. */
  setting: string;
  /** What is wrong and how to fix it; starts with the setting. */
  message: string;
}

/** Where loadConfig collects problems. */
export interface IssueList {
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
}
