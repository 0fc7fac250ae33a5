import { readBlocks } from '../src/cli/classify-command.js';
import { classifyChunks, classifyStream } from '../src/patterns/classify.js';
import { loadLibrary } from '../src/patterns/load.js';

// Runs in its own process so its peak RSS is its own.
const file = process.argv[2];
if (!file) throw new Error('usage: classify-one <file>');
const library = loadLibrary();
// Steady-state figures: let the JIT see the hot path once before timing.
await classifyStream(
  (async function* () {
    yield 'Pulling docker image a ...\nERROR: Job failed: exit code 1\n'.repeat(20_000);
  })(),
  library,
);
// The same path as `pipeline-diagnoser classify <file>`; best of three runs
// in this process, so small files are not dominated by JIT warm-up.
let ms = Infinity;
let result = classifyChunks([], library);
for (let run = 0; run < 3; run++) {
  const started = process.hrtime.bigint();
  result = classifyChunks(readBlocks(file), library);
  ms = Math.min(ms, Number(process.hrtime.bigint() - started) / 1e6);
}
process.stdout.write(
  JSON.stringify({
    ms,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    lines: result.lines,
    diagnosis: result.diagnosis?.pattern ?? null,
    matches: result.matches.map((m) => m.pattern),
  }),
);
