import { html, type SafeHtml } from './html.js';
import { renderPage } from './layout.js';

/** What a visitor can use to get in, for the sign-in page. */
export interface SignInChoices {
  gitlab: boolean;
  token: boolean;
}

function ways(choices: SignInChoices): SafeHtml {
  const items: SafeHtml[] = [];
  if (choices.gitlab) {
    items.push(
      html`<p>
        <a class="sign-in-gitlab" id="sign-in-gitlab" href="/sign-in/gitlab">Sign in with GitLab</a>
      </p>`,
    );
  }
  if (choices.token) {
    items.push(
      html`<p class="muted">
        Scripts send the admin token (DIAGNOSER_ADMIN_TOKEN) as an "Authorization: Bearer" header;
        in a browser, open any page once with ?token= followed by the token.
      </p>`,
    );
  }
  items.push(
    html`<p class="muted">
      On the bot's host, <code>pipeline-diagnoser sessions link</code> prints a one-time link that
      opens the dashboard in a browser on that host.
    </p>`,
  );
  return html`${items}`;
}

/** The page a visitor without a session gets. */
export function renderSignInPage(choices: SignInChoices, problem?: string): string {
  return renderPage({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
      ${problem ? html`<p class="notice" id="problem">${problem}</p>` : ''} ${ways(choices)}`,
  });
}

/** A GitLab user who signed in but may not use the dashboard. */
export function renderRefusedPage(username: string, why: string): string {
  return renderPage({
    title: 'Not allowed',
    body: html`<h1 id="refused">Not allowed</h1>
      <p>You signed in to GitLab as <b>@${username}</b>, but ${why}.</p>
      <p class="muted">
        Ask an administrator of the bot to add you to that group, or sign in with another account.
      </p>
      <p><a href="/sign-in">Back to sign-in</a></p>`,
  });
}
