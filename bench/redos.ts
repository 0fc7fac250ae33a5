import { cpus, loadavg } from 'node:os';
import { checkRegex } from '../src/patterns/regex.js';

// 10,000 random user patterns of the shapes that make a backtracking engine
// take time exponential in the line's length, each run on lines of 1, 2 and
// 4 KiB built to make it fail late. With RE2 the time per line stays
// proportional to the line's length: the slope is what this prints.

const PATTERNS = 10_000;
const LENGTHS = [1024, 2048, 4096];

/** A small deterministic generator, so every run tries the same patterns. */
function random(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

const ATOMS = ['a', '\\w', '.', '[a-z]', '\\S', '(?:a|aa)', '[^!]', '(?:\\w|a)'];
const SHAPES: ((atom: () => string, pick: (n: number) => number) => string)[] = [
  (atom) => `(?:${atom()}|${atom()})*!`,
  (atom) => `(?:${atom()}+)+!`,
  (atom) => `(?:${atom()}*)*!`,
  (atom) => `(?:${atom()}|${atom()}${atom()})+!`,
  (atom) => `(?:${atom()}+${atom()}+)+!`,
  (atom) => `^(?:${atom()}+\\s?)+!$`,
  (atom, pick) => `(?:.*${atom()}){${2 + pick(18)}}!`,
  (atom, pick) => `aaa(?:${atom()}{1,${1 + pick(60)}}){1,${1 + pick(30)}}!`,
  (atom) => `(?:(?:${atom()}|${atom()})+|${atom()}*)+!`,
];

function patterns(): string[] {
  const pick = random(13);
  const atom = () => ATOMS[pick(ATOMS.length)] as string;
  return Array.from({ length: PATTERNS }, () =>
    (SHAPES[pick(SHAPES.length)] as (typeof SHAPES)[0])(atom, pick),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function main() {
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  // Lines a backtracking engine fails on only after trying every split: no '!' anywhere.
  const lines = LENGTHS.map((n) => [Buffer.from('a'.repeat(n)), Buffer.from('a '.repeat(n / 2))]);
  const timings: number[][] = LENGTHS.map(() => []);
  let refused = 0;
  let worst = { source: '', us: [0, 0, 0] };
  const started = process.hrtime.bigint();
  for (const source of patterns()) {
    let regex;
    try {
      regex = checkRegex(source, '', true).compiled();
    } catch {
      refused += 1;
      continue;
    }
    const us = LENGTHS.map((_, i) => {
      let slowest = 0;
      for (const line of lines[i] as Buffer[]) {
        const t = process.hrtime.bigint();
        regex.test(line);
        slowest = Math.max(slowest, Number(process.hrtime.bigint() - t) / 1000);
      }
      timings[i]?.push(slowest);
      return slowest;
    });
    if ((us[2] ?? 0) > (worst.us[2] ?? 0)) worst = { source, us };
  }
  const total = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `${PATTERNS} patterns: ${PATTERNS - refused} compiled, ${refused} refused at load (RE2 caps a repetition at 1000); ${total.toFixed(1)} s in all`,
  );
  console.log('| line | median per line | slowest pattern |');
  console.log('|---:|---:|---:|');
  for (const [i, n] of LENGTHS.entries()) {
    const all = timings[i] as number[];
    console.log(
      `| ${n / 1024} KiB | ${median(all).toFixed(1)} µs | ${Math.max(...all).toFixed(1)} µs |`,
    );
  }
  const [t1, t2, t4] = worst.us as [number, number, number];
  // Least squares over the three lengths, in µs per KiB.
  const xs = LENGTHS.map((n) => n / 1024);
  const mx = xs.reduce((a, b) => a + b) / 3;
  const my = (t1 + t2 + t4) / 3;
  const slope =
    xs.reduce((s, x, i) => s + (x - mx) * ((worst.us[i] ?? 0) - my), 0) /
    xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  console.log(
    `slowest pattern ${worst.source}: ${t1.toFixed(1)} / ${t2.toFixed(1)} / ${t4.toFixed(1)} µs on 1 / 2 / 4 KiB, slope ${slope.toFixed(1)} µs per KiB (a backtracking engine doubles its time with every character)`,
  );
}

main();
