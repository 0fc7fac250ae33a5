import { describe, expect, it } from 'vitest';
import type { TimingSummary } from '../../src/store/index.js';
import { horizontalBars, niceTicks, stackedColumns } from '../../src/web/charts.js';
import { incidentsPerDayChart, timeToFixChart } from '../../src/web/dashboard-charts.js';
import { formatDuration, lastDays } from '../../src/web/format.js';
import { escapeHtml, externalLink, html, raw, safeHref } from '../../src/web/html.js';
import { CONTENT_SECURITY_POLICY, STYLESHEET, renderPage } from '../../src/web/layout.js';
import { listHref, parseListQuery } from '../../src/web/list-query.js';
import { createHash } from 'node:crypto';

function count(markup: string, pattern: RegExp): number {
  return markup.match(new RegExp(pattern, 'g'))?.length ?? 0;
}

describe('html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const evil = `<script>alert("x")</script>' onmouseover='y' &amp;`;

    const out = html`<p title="${evil}">${evil}</p>`.value;

    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#39; &amp;amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#39; &amp;amp;</p>',
    );
  });

  it('keeps nested html and raw markup, joins lists and skips empty values', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);

    const list = html`<ul>
      ${items}${null}${undefined}${false}${raw('<hr>')}
    </ul>`;

    expect(list.value.replace(/\s+/g, '')).toBe('<ul><li>a&lt;b</li><li>c</li><hr></ul>');
    expect(escapeHtml('"\'&<>')).toBe('&quot;&#39;&amp;&lt;&gt;');
  });

  it.each([
    ['https://gitlab.example.com/a/-/jobs/1', 'https://gitlab.example.com/a/-/jobs/1'],
    ['http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'],
    ['javascript:alert(1)', undefined],
    ['JaVaScRiPt:alert(1)', undefined],
    ['data:text/html,<script>1</script>', undefined],
    ['/relative', undefined],
    ['', undefined],
    [null, undefined],
  ])('links only http(s): %j', (url, expected) => {
    expect(safeHref(url)).toBe(expected);
  });

  it('writes a refused URL as plain text', () => {
    expect(externalLink('javascript:alert(1)', 'job').value).toBe('job');
    expect(externalLink('https://x.example/a"b', 'job').value).toBe(
      '<a href="https://x.example/a%22b" rel="noopener noreferrer">job</a>',
    );
  });
});

describe('layout', () => {
  it('allows exactly its own stylesheet, and nothing external', () => {
    const hash = createHash('sha256').update(STYLESHEET).digest('base64');

    expect(CONTENT_SECURITY_POLICY).toContain(`style-src 'sha256-${hash}'`);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|unsafe-inline|script-src/);
    expect(renderPage({ title: 't', body: 'b' })).toContain(`<style>${STYLESHEET}</style>`);
  });

  it('uses no style attribute and no script (the policy would block them)', () => {
    const page = renderPage({
      title: 't',
      body: incidentsPerDayChart(
        [{ day: '2025-01-02', patternId: 'p', verdict: 'v', incidents: 2, failedJobs: 3 }],
        ['2025-01-01', '2025-01-02'],
      ),
    });

    expect(page).not.toMatch(/\sstyle=|<script/i);
  });
});

describe('charts', () => {
  it.each([
    [0, false, [0, 1]],
    [1, true, [0, 1]],
    [3, true, [0, 1, 2, 3]],
    [7, true, [0, 2, 4, 6, 8]],
    [95, false, [0, 50, 100]],
    [1, false, [0, 0.5, 1]],
  ])('niceTicks(%d, integer %s)', (max, integer, expected) => {
    expect(niceTicks(max, { integer })).toEqual(expected);
  });

  it('stacks a segment per pattern and day, with tooltips and a legend', () => {
    const svg = incidentsPerDayChart(
      [
        { day: '2025-01-01', patternId: 'a', verdict: 'v', incidents: 2, failedJobs: 2 },
        { day: '2025-01-02', patternId: 'a', verdict: 'v', incidents: 1, failedJobs: 1 },
        { day: '2025-01-02', patternId: 'b<x>', verdict: 'v', incidents: 1, failedJobs: 4 },
        { day: '2024-12-01', patternId: 'old', verdict: 'v', incidents: 9, failedJobs: 9 },
      ],
      ['2025-01-01', '2025-01-02'],
    ).value;

    expect(count(svg, /class="bar"/)).toBe(3);
    expect(count(svg, /class="legend-item"/)).toBe(3);
    expect(svg).toContain('<title>2025-01-01 · a: 2 incidents</title>');
    expect(svg).toContain('b&lt;x&gt;');
    expect(svg).not.toContain('b<x>');
    expect(svg).toContain('role="img"');
    expect(svg).toContain('Day (UTC)');
  });

  it('groups patterns beyond seven as "other"', () => {
    const rows = Array.from({ length: 9 }, (_, i) => ({
      day: '2025-01-01',
      patternId: `p${i}`,
      verdict: 'v',
      incidents: 10 - i,
      failedJobs: 1,
    }));

    const svg = incidentsPerDayChart(rows, ['2025-01-01']).value;

    expect(count(svg, /class="legend-item"/)).toBe(7);
    expect(svg).toContain('other: 9 incidents'); // p6, p7 and p8: 4 + 3 + 2
  });

  it('says so when there is nothing to draw', () => {
    const columns = stackedColumns({
      id: 'x',
      title: 't',
      description: 'd',
      categories: ['a'],
      series: [],
      xTitle: 'x',
      yTitle: 'y',
      unit: ['one', 'many'],
      empty: 'Nothing here.',
    }).value;
    const bars = horizontalBars({
      id: 'y',
      title: 't',
      description: 'd',
      rows: [],
      series: [{ name: 's' }],
      xTitle: 'x',
      format: String,
      empty: 'No rows.',
    }).value;

    expect(columns).toContain('Nothing here.');
    expect(bars).toContain('No rows.');
    expect(count(columns + bars, /class="bar"/)).toBe(0);
  });

  it('explains a time-to-fix chart without data instead of drawing an empty one', () => {
    const none: TimingSummary = {
      toNote: { seconds: undefined, count: 0 },
      noteToFix: { seconds: undefined, count: 0 },
      byPattern: [],
    };
    const noFix: TimingSummary = {
      toNote: { seconds: 240, count: 2 },
      noteToFix: { seconds: undefined, count: 0 },
      byPattern: [
        {
          patternId: 'a',
          toNote: { seconds: 240, count: 2 },
          noteToFix: { seconds: undefined, count: 0 },
        },
      ],
    };

    expect(timeToFixChart(none, 30).value).toContain('has reached a note yet');
    const partial = timeToFixChart(noFix, 30).value;
    expect(partial).toContain('No fix recorded yet');
    expect(partial).toContain('4 min');
    expect(count(partial, /class="bar"/)).toBe(1);
  });
});

describe('format', () => {
  it.each([
    [undefined, '—'],
    [0, '0 s'],
    [59, '59 s'],
    [240, '4 min'],
    [3600, '1 h'],
    [3 * 3600 + 20 * 60, '3 h 20 min'],
    [2 * 86_400 + 4 * 3600, '2 d 4 h'],
  ])('formatDuration(%j) = %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });

  it('lists the last days in UTC, oldest first', () => {
    expect(lastDays(new Date('2025-03-01T23:30:00Z'), 3)).toEqual([
      '2025-02-27',
      '2025-02-28',
      '2025-03-01',
    ]);
  });
});

describe('list query', () => {
  const now = new Date('2025-05-10T12:00:00Z');

  it('turns the form into a search, and back into a link', () => {
    const { query, search, problems } = parseListQuery(
      { q: ' poetry ', since: '7d', verdict: 'allowlist-missing', status: 'open', page: '2' },
      now,
    );

    expect(problems).toEqual([]);
    expect(search).toEqual({
      text: 'poetry',
      since: '2025-05-03T12:00:00.000Z',
      verdict: 'allowlist-missing',
      status: 'open',
      limit: 50,
      offset: 50,
    });
    expect(listHref(query, { page: 3 })).toBe(
      '/?q=poetry&since=7d&verdict=allowlist-missing&status=open&page=3',
    );
  });

  it('drops what it cannot read, with a reason, and treats empty fields as "any"', () => {
    const { search, problems } = parseListQuery(
      { since: 'last tuesday', status: 'pending', page: '-1', pattern: '', q: ['a', 'b'] },
      now,
    );

    expect(search).toEqual({ text: 'a', limit: 50, offset: 0 });
    expect(problems).toHaveLength(3);
  });
});
