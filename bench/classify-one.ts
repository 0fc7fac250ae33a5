import { withFileReads } from '../src/cli/classify-command.js';
import { classifyChunks, classifyFrom } from '../src/patterns/classify.js';
import { loadLibrary } from '../src/patterns/load.js';

// Runs in its own process so its peak RSS is its own.
const file = process.argv[2];
if (!file) throw new Error('usage: classify-one <file>');
const library = loadLibrary();
// Steady-state figures: let the JIT see the hot path, and the rules a log
// like this needs be compiled, once before timing.
const classifyFile = () => withFileReads(file, (read) => classifyFrom(read, library));
classifyFile();
// The same path as `pipeline-diagnoser classify <file>`; the best of three runs, and every run's time.
let ms = Infinity;
let cpuMs = Infinity;
const runs: number[] = [];
let result = classifyChunks([], library);
for (let run = 0; run < 3; run++) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  result = classifyFile();
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  runs.push(wall);
  if (wall < ms) {
    ms = wall;
    cpuMs = (used.user + used.system) / 1000;
  }
}
process.stdout.write(
  JSON.stringify({
    ms,
    cpuMs,
    runs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    lines: result.lines,
    diagnosis: result.diagnosis?.pattern ?? null,
    matches: result.matches.map((m) => m.pattern),
  }),
);
