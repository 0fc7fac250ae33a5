import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLibrary } from '../src/patterns/load.js';
import { writeSyntheticLog } from './synthetic-log.js';

// Classifier throughput and memory on synthetic GitLab logs, compared with
// ripgrep running the same regexes over the same file when it is installed.

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'diagnoser-bench-'));

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

function ripgrepPatterns(): string[] {
  // Same regexes in Rust's syntax. ripgrep joins them into one alternation,
  // where repeated group names are an error, so groups become non-capturing.
  return loadLibrary().patterns.flatMap((p) =>
    p.rules.map(
      (r) =>
        (r.regex.flags.includes('i') ? '(?i)' : '') +
        r.regex.source.replace(/\(\?<[A-Za-z]\w*>/g, '(?:').replace(/\\\//g, '/'),
    ),
  );
}

function timeRipgrep(file: string, patternFile: string): number | undefined {
  const probe = spawnSync('rg', ['--version']);
  if (probe.status !== 0) return undefined;
  const best: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    // --no-unicode: \S, \w and friends mean what they mean in a JS regex without the u flag.
    const run = spawnSync('rg', ['--no-unicode', '-c', '-f', patternFile, file], {
      maxBuffer: 1 << 20,
    });
    if (run.status !== 0 && run.status !== 1) {
      // Fall back to PCRE2 for regex features the default engine lacks.
      const pcre = spawnSync('rg', ['-P', '--no-unicode', '-c', '-f', patternFile, file]);
      if (pcre.status !== 0 && pcre.status !== 1) return undefined;
    }
    best.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return Math.min(...best);
}

function classifyInChild(file: string) {
  const out = execFileSync(process.execPath, [join(here, 'classify-one.js'), file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out) as { ms: number; peakRssMb: number; lines: number; diagnosis: string };
}

async function main() {
  console.log(`machine: ${machine()}`);
  const patternFile = join(dir, 'patterns.txt');
  writeFileSync(patternFile, `${ripgrepPatterns().join('\n')}\n`);
  console.log('size      lines      time      MB/s    peak RSS   ripgrep   ratio  diagnosis');
  for (const mb of [1, 10, 100]) {
    const file = join(dir, `log-${mb}mb.log`);
    await writeSyntheticLog(file, mb * 2 ** 20);
    const size = statSync(file).size / 2 ** 20;
    // Each child runs three times and keeps its best; two children, best of both.
    const runs = [classifyInChild(file), classifyInChild(file)];
    const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const peak = Math.max(...runs.map((r) => r.peakRssMb));
    const rg = timeRipgrep(file, patternFile);
    console.log(
      [
        `${mb} MB`.padEnd(9),
        String(best.lines).padStart(9),
        `${(best.ms / 1000).toFixed(3)} s`.padStart(9),
        (size / (best.ms / 1000)).toFixed(0).padStart(9),
        `${peak.toFixed(0)} MB`.padStart(10),
        (rg === undefined ? 'n/a' : `${(rg / 1000).toFixed(3)} s`).padStart(9),
        (rg === undefined ? 'n/a' : `${(best.ms / rg).toFixed(2)}x`).padStart(7),
        ` ${best.diagnosis}`,
      ].join(' '),
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
    ['empty log', Buffer.alloc(0)],
  ];
  for (const [name, bytes] of adversarial) {
    const file = join(dir, 'adversarial.log');
    writeFileSync(file, bytes);
    const r = classifyInChild(file);
    const mbps = bytes.length ? (bytes.length / 2 ** 20 / (r.ms / 1000)).toFixed(0) : '-';
    console.log(
      `${name}: ${(r.ms / 1000).toFixed(3)} s (${mbps} MB/s), peak RSS ${r.peakRssMb.toFixed(0)} MB, lines ${r.lines}, diagnosis ${r.diagnosis}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
