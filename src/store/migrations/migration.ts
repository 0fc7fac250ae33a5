/** One schema step. `version` values start at 1 and go up by one; never edit a released one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}
