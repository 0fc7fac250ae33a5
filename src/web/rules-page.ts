/**
 * The rules page: per rule (pattern id), the diagnoses it made, how many of them people judged
 * wrong (a 👎 on the bot's note or a reply `@bot wrong`), and its precision as they judged it,
 * the rules that mislead most first. Pure: the route reads the figures from the store.
 */
import type { RuleJudgement } from '../store/index.js';
import { plural } from './format.js';
import { html, type SafeHtml } from './html.js';
import { renderPage } from './layout.js';

export interface RulesView {
  rules: readonly RuleJudgement[];
  now: Date;
  gitlabUrl?: string;
}

/** `87.5%`, or `-` with nothing to divide by. */
export function formatPrecision(precision: number | undefined): string {
  if (precision === undefined || !Number.isFinite(precision)) return '-';
  return `${(Math.round(precision * 1000) / 10).toFixed(1)}%`;
}

function ruleRow(rule: RuleJudgement): SafeHtml {
  return html`<tr data-rule="${rule.patternId}">
    <td><a href="/?pattern=${encodeURIComponent(rule.patternId)}">${rule.patternId}</a></td>
    <td class="num">${rule.diagnoses}</td>
    <td class="num">${rule.failedJobs}</td>
    <td class="num">${rule.judgedWrong}</td>
    <td class="num">${rule.judgements}</td>
    <td class="num">${formatPrecision(rule.precision)}</td>
  </tr>`;
}

export function renderRulesPage(view: RulesView): string {
  const judged = view.rules.reduce((n, r) => n + r.judgedWrong, 0);
  const diagnoses = view.rules.reduce((n, r) => n + r.diagnoses, 0);
  const body = html`<h1>Rules</h1>
    <p class="muted">
      How often each rule of the pattern library named the wrong cause, as people judged it: a
      thumbs-down (👎) on the bot's comment or a reply <code>@bot wrong</code> marks that incident's
      diagnosis as wrong (one judgement per person and incident; taking it back withdraws it).
      Precision is the share of a rule's incidents nobody judged wrong. Incidents removed by
      retention no longer count.
    </p>
    <div class="headline" id="rules-headline">
      <span><b>${plural(view.rules.length, 'rule')}</b> with a diagnosis</span>
      <span><b>${plural(diagnoses, 'incident')}</b> diagnosed</span>
      <span><b>${judged}</b> judged wrong</span>
    </div>
    ${
      view.rules.length === 0
        ? html`<p class="muted" id="no-rules">No diagnosis recorded yet.</p>`
        : html`<table class="rules">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col" class="num">Diagnoses (incidents)</th>
                <th scope="col" class="num">Failed jobs</th>
                <th scope="col" class="num">Judged wrong</th>
                <th scope="col" class="num">Judgements</th>
                <th scope="col" class="num">Precision as judged</th>
              </tr>
            </thead>
            <tbody>
              ${view.rules.map(ruleRow)}
            </tbody>
          </table>`
    }`;
  return renderPage({
    title: 'Rules',
    path: '/rules',
    body,
    now: view.now,
    ...(view.gitlabUrl ? { gitlabUrl: view.gitlabUrl } : {}),
  });
}
