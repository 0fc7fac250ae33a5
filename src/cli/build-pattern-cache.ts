import { readFileSync } from 'node:fs';
import type { PatternProblem } from '../errors.js';
import { compilePattern } from '../patterns/compile.js';
import { writePatternCache } from '../patterns/library-cache.js';
import { parsePatternText } from '../patterns/load.js';
import { builtinPatternDir, listPatternFiles } from '../patterns/pattern-files.js';
import type { Pattern } from '../patterns/library.js';
import type { PatternFile } from '../patterns/schema.js';

// Run by `npm run build`: caches the built-in pattern files, parsed and
// validated, next to the compiled loader (see library-cache.ts). A file that
// does not parse or check is left out, so the loader parses it and reports it.
const problems: PatternProblem[] = [];
const entries: { file: string; bytes: Buffer; data: PatternFile; pattern: Pattern }[] = [];
for (const file of listPatternFiles(builtinPatternDir(), problems)) {
  const bytes = readFileSync(file);
  const data = parsePatternText(bytes.toString('utf8'), file, problems);
  const pattern = data && compilePattern(data, file, file, problems, { mode: 'checked' });
  if (data && pattern) entries.push({ file, bytes, data, pattern });
}
writePatternCache(entries);
for (const p of problems) process.stderr.write(`not cached: ${p.file}: ${p.field}: ${p.reason}\n`);
