import { percent, type AccuracyReport } from '../patterns/accuracy.js';

/**
 * The accuracy section of `patterns check` for one set of real logs. File
 * names are shown for the development set only: the hold-out set is read as
 * a whole, so nobody tunes a rule to one of its logs.
 */
export function formatAccuracy(
  title: string,
  report: AccuracyReport,
  options: { showFiles: boolean },
): string {
  const lines = [
    `${title}: ${report.logs} logs, top-1 accuracy ${percent(report.top1)} (${report.correct}/${report.logs})` +
      `, ${report.successFalsePositives.length} false positives on ${report.successLogs} jobs that passed` +
      (report.pending.length
        ? `, ${report.pending.length} waiting for patterns the library lacks`
        : ''),
  ];
  const scored = report.patterns.filter((p) => p.won > 0 || p.expected > 0);
  if (scored.length > 0) {
    lines.push(
      `  ${'pattern'.padEnd(30)} ${'precision'.padStart(14)} ${'recall'.padStart(14)}`,
      ...scored.map(
        (p) =>
          `  ${p.id.padEnd(30)} ${ratio(p.wonRight, p.won).padStart(14)} ${ratio(p.expectedRight, p.expected).padStart(14)}`,
      ),
    );
  }
  if (report.confusion.length > 0) {
    lines.push(`  confusion (expected → won instead: logs)`);
    for (const cell of report.confusion) {
      const files = options.showFiles ? `  ${cell.files.join(', ')}` : '';
      lines.push(`    ${cell.expected} → ${cell.got}: ${cell.count}${files}`);
    }
  }
  if (options.showFiles) {
    for (const fp of report.successFalsePositives) {
      lines.push(`  FALSE POSITIVE on a passing job: ${fp.pattern} ${fp.file}:${fp.line}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `87.5% 7/8`, or `-` with nothing to divide by. */
export function ratio(right: number, all: number): string {
  return all === 0 ? '-' : `${percent(right / all)} ${right}/${all}`;
}
