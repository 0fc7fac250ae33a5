import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLibrary } from '../src/patterns/load.js';
import { median } from '../src/store/stats.js';
import { ripgrepLiterals, ripgrepRegexes } from './ripgrep-patterns.js';
import { writeSyntheticLog } from './synthetic-log.js';

// Classifier throughput and memory on synthetic GitLab logs, in process and
// as the whole `classify` command, next to ripgrep on the same file with the
// library's literal phrases and with its regexes.

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '../src/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'diagnoser-bench-'));

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

interface Timing {
  ms: number;
  cpuMs: number;
  /** Peak RSS, where it is known. */
  rssMb?: number;
  /** The 1-minute load average when the run started: on a shared machine it says how far to trust the wall time. */
  load?: number;
  /** Median wall time of all the runs: on a shared machine the best run alone flatters. */
  medianMs?: number;
}

const RUNS = 5;

const timeCommand = spawnSync('/usr/bin/time', ['-f', '%U %S %M', 'true']).status === 0;

/**
 * Best wall time of `RUNS` runs of a command, with its CPU time (user +
 * system, from /usr/bin/time where there is one; on a busy machine the CPU
 * time says more) and the median wall time. Undefined when the command cannot run.
 */
function timeRuns(file: string, args: string[]): Timing | undefined {
  let best: Timing | undefined;
  const walls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const load = loadavg()[0];
    const started = process.hrtime.bigint();
    const run = timeCommand
      ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', file, ...args], { maxBuffer: 1 << 24 })
      : spawnSync(file, args, { maxBuffer: 1 << 24 });
    // ripgrep exits 1 when nothing matches.
    if (run.status !== 0 && run.status !== 1) return undefined;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = /([\d.]+) ([\d.]+) (\d+)\s*$/.exec(run.stderr.toString());
    const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN;
    const rss = cpu ? { rssMb: Number(cpu[3]) / 1024 } : {};
    walls.push(ms);
    if (!best || ms < best.ms) best = { ms, cpuMs, load, ...rss };
  }
  return best && { ...best, medianMs: median(walls) ?? NaN };
}

interface ChildRun extends Timing {
  /** Wall time of each timed run. */
  runs: number[];
  peakRssMb: number;
  lines: number;
  diagnosis: string;
}

function classifyInChild(file: string): ChildRun {
  const load = loadavg()[0];
  const out = execFileSync(process.execPath, [join(here, 'classify-one.js'), file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return { ...(JSON.parse(out) as ChildRun), load };
}

const mbps = (mb: number, ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms) ? 'n/a' : `${(mb / (ms / 1000)).toFixed(0)} MB/s`;
const secs = (ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(3)} s`;
const ratio = (a: number, b: number | undefined) =>
  b === undefined ? 'n/a' : `${(a / b).toFixed(1)}x`;

async function main() {
  console.log(`machine: ${machine()}; load average ${load()}`);
  const library = loadLibrary();
  const regexFile = join(dir, 'regexes.txt');
  const literalFile = join(dir, 'literals.txt');
  const literals = ripgrepLiterals(library);
  writeFileSync(regexFile, `${ripgrepRegexes(library).join('\n')}\n`);
  writeFileSync(literalFile, `${literals.phrases.join('\n')}\n`);
  const rules = library.patterns.reduce((n, p) => n + p.rules.length, 0);
  console.log(
    `library: ${library.patterns.length} patterns, ${rules} rules; ripgrep gets ${rules} regexes, ` +
      `and ${literals.phrases.length} literal phrases (${literals.without} rules have none)`,
  );
  const rgOk = spawnSync('rg', ['--version']).status === 0;

  for (const mb of [10, 100]) {
    const file = join(dir, `log-${mb}mb.log`);
    await writeSyntheticLog(file, mb * 2 ** 20);
    const size = statSync(file).size / 2 ** 20;
    // Each child times three runs after a warm-up; two children, best and median of the six.
    const runs = [classifyInChild(file), classifyInChild(file)];
    const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const peak = Math.max(...runs.map((r) => r.peakRssMb));
    best.rssMb = peak;
    best.medianMs = median(runs.flatMap((r) => r.runs)) ?? NaN;
    const command = timeRuns(process.execPath, [cli, 'classify', file]);
    const rgLiteral = rgOk ? timeRuns('rg', ['-F', '-c', '-f', literalFile, file]) : undefined;
    // --no-unicode: with Unicode classes ripgrep's automaton for the rules' counted
    // repetitions (\S{1,300}) explodes; 10 MB then takes minutes.
    const rgRegex = rgOk
      ? timeRuns('rg', ['--no-unicode', '-c', '-f', regexFile, file])
      : undefined;
    console.log(
      `\n${mb} MB synthetic log, ${best.lines} lines, diagnosis ${best.diagnosis}, peak RSS ${peak.toFixed(0)} MB`,
    );
    const rows: [string, Timing | undefined][] = [
      ['classifier, in process (2 processes × 3 runs after a warm-up)', best],
      ['`pipeline-diagnoser classify` (whole command)', command],
      ['ripgrep, literal phrases (rg -F -f)', rgLiteral],
      ['ripgrep, the regexes (rg --no-unicode -f)', rgRegex],
    ];
    console.log(
      `| run | load average | best time | throughput | median time (of ${RUNS} runs; 6 in process) | throughput | CPU time | throughput per CPU second | peak RSS |`,
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, t] of rows) {
      const load = t?.load === undefined ? 'n/a' : t.load.toFixed(1);
      const rss = t?.rssMb === undefined ? 'n/a' : `${t.rssMb.toFixed(0)} MB`;
      console.log(
        `| ${name} | ${load} | ${secs(t?.ms)} | ${mbps(size, t?.ms)} | ${secs(t?.medianMs)} | ${mbps(size, t?.medianMs)} | ${secs(t?.cpuMs)} | ${mbps(size, t?.cpuMs)} | ${rss} |`,
      );
    }
    console.log(
      `ratios (wall): in process / rg literal ${ratio(best.ms, rgLiteral?.ms)}, in process / rg regexes ` +
        `${ratio(best.ms, rgRegex?.ms)}, whole command / rg literal ${ratio(command?.ms ?? NaN, rgLiteral?.ms)}`,
    );
    console.log(
      `ratios (CPU): in process / rg literal ${ratio(best.cpuMs, rgLiteral?.cpuMs)}, whole command / rg literal ` +
        `${ratio(command?.cpuMs ?? NaN, rgLiteral?.cpuMs)}`,
    );
    rmSync(file);
  }

  // Adversarial inputs: one 50 MB line, invalid UTF-8, an empty log.
  const adversarial: [string, Buffer][] = [
    ['50 MB single line', Buffer.alloc(50 * 2 ** 20, 'a')],
    [
      '10 MB invalid UTF-8',
      Buffer.from(
        Array.from({ length: 10 * 2 ** 20 }, (_, i) =>
          i % 7 === 0 ? 0x0a : 0xc3 + (i % 3) * 0x1d,
        ),
      ),
    ],
    // Every line holds a control character the fast cleaning path leaves (a backspace):
    // each is cleaned on its own, so per-line work must not depend on the block.
    [
      '10 MB of lines with backspaces',
      Buffer.from(
        'Progress: 12% \b\b\b 13% downloading layer sha256:0123456789abcdef\n'.repeat(
          Math.ceil((10 * 2 ** 20) / 64),
        ),
      ),
    ],
    ['empty log', Buffer.alloc(0)],
  ];
  console.log('');
  for (const [name, bytes] of adversarial) {
    const file = join(dir, 'adversarial.log');
    writeFileSync(file, bytes);
    const r = classifyInChild(file);
    console.log(
      `${name}: ${secs(r.ms)} (${bytes.length ? mbps(bytes.length / 2 ** 20, r.ms) : '-'}), peak RSS ${r.peakRssMb.toFixed(0)} MB, lines ${r.lines}, diagnosis ${r.diagnosis}`,
    );
  }
  console.log(`load average at the end ${load()}`);
  rmSync(dir, { recursive: true, force: true });
}

await main();
