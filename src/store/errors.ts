/** A database that cannot be opened, migrated or read; the message names the file and the fix. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly path: string;

  constructor(message: string, options: { path: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.path = options.path;
  }
}
