import { createRequire } from 'node:module';
import type RE2Constructor from 're2';

/**
 * The re2 addon, required rather than imported: it is CommonJS, and an
 * import makes Node load a lexer and scan its source for exports at every
 * start, which costs more than loading it.
 */
export const RE2 = createRequire(import.meta.url)('re2') as typeof RE2Constructor;
export type RE2 = RE2Constructor;
