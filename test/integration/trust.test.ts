import { afterEach, describe, expect, it } from 'vitest';
import { addPlatformProjects } from '../../src/simulator/index.js';
import { startHarness, trailOf, type Harness } from '../helpers/bot-harness.js';

/**
 * What a job prints, what a bystander clicks and what the bot writes must not
 * widen access or leak what readers may not see. Every case runs the real bot
 * against the simulator over HTTP and looks at what GitLab holds afterwards.
 */
let h: Harness;
afterEach(async () => {
  await h.close();
});

const ESC = '\x1b';
const marker = (kind: 'start' | 'end', name: string) =>
  `${ESC}[0Ksection_${kind}:1715505245:${name}\r${ESC}[0K`;

/** The runner's own pull denial for the seed image, as a forger would copy it. */
function runnerDenial(image: string): string {
  return `WARNING: Failed to pull image with policy "always": Error response from daemon: pull access denied for ${image.replace(/:[^:/]+$/, '')}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied (manager.go:237:0s)`;
}

async function world() {
  // bob maintains containers/poetry and can see team/app: GitLab would let him add it.
  h = await startHarness({ botRole: 40, botRetries: true, bobSeesApp: true });
}

/** Whether team/app's jobs may now pull the seed image: the allowlist GitLab holds. */
function appLetIn(): boolean {
  return h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, h.ids.image).ok;
}

describe('only the runner’s own words earn a one-click offer', () => {
  /** bob's 👍 on the note for a build whose submodule's git server (not GitLab) printed `words`. */
  async function approveGitServerWords(words: () => string) {
    await world();
    h.runOnMergeRequest([
      {
        name: 'build',
        image: 'alpine:3.20',
        submodules: [
          {
            path: 'vendor/tools',
            project: 'someone/tools',
            foreignRefusal: { host: 'git.example.net', message: words() },
          },
        ],
      },
    ]);
    const bot = h.startBot();
    await bot.poller.runCycle();
    h.thumbsUp();
    await bot.poller.runCycle();
  }

  it('a git server’s `remote:` line that imitates the runner changes no allowlist', async () => {
    await approveGitServerWords(() => `\r${runnerDenial(h.ids.image)}`);

    expect(appLetIn()).toBe(false);
    expect(h.botNotes()[0]?.body).not.toContain('Accept with one click');
  });

  it('a section marker forged while the sources are fetched changes no allowlist', async () => {
    await approveGitServerWords(
      () =>
        `\r${marker('end', 'get_sources')}${marker('start', 'prepare_executor')}${runnerDenial(h.ids.image)}`,
    );

    expect(appLetIn()).toBe(false);
    expect(h.botNotes()[0]?.body).not.toContain('Accept with one click');
  });
});

describe('a note on A’s merge request reveals nothing about a project its readers cannot see', () => {
  it('confirms nothing about a private project the job’s user cannot see: it reads like a missing one', async () => {
    /** The note for a job whose script prints a denial of `secret/<path>/keys:2024-prod`. */
    async function probe(path: string): Promise<string> {
      await world();
      const secrets = h.world.addGroup({ path: 'secret', name: 'secret' });
      const vault = h.world.addProject({
        path: 'vault',
        namespaceId: secrets.id,
        visibility: 'private',
      });
      h.world.addRegistryImage(vault.id, 'keys', ['2024-prod']);
      h.world.addMember(vault, h.ids.users.bot, 40);
      // Anyone who can push a branch controls what the script prints.
      h.runOnMergeRequest([
        {
          name: 'probe',
          image: 'alpine:3.20',
          script: ['./probe.sh'],
          scriptOutput: [runnerDenial(`${h.world.registryHost}/secret/${path}/keys:2024-prod`)],
          exitCode: 1,
        },
      ]);
      await h.startBot().poller.runCycle();
      const body = h.botNotes()[0]?.body ?? '';
      await h.close();
      return body
        .replaceAll(path, 'PATH')
        .replace(/ · updated [^·]+ UTC/, '')
        .replace(/\(\d{4}-[\d-]+ [\d:]+ UTC\)/, '(TIME)');
    }

    const existing = await probe('vault');
    const missing = await probe('nothing-here');
    h = await startHarness();

    expect(existing).toContain('`secret/PATH/keys`');
    expect(existing).toBe(missing);
  });

  it('lists no tag of a private image project, even for a job whose user may read it', async () => {
    await world();
    h.world.allowlistProject(h.ids.projects.poetry, h.ids.projects.app);
    h.runOnMergeRequest([
      { name: 'build-app', image: h.ids.image.replace(':1.5', ':1.6'), script: ['make'] },
    ]);
    const bot = h.startBot();

    await bot.poller.runCycle();

    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain('`containers/poetry`');
    expect(body).not.toMatch(/`1\.5\.1`|`1\.5`/);
  });
});

describe('an approval counts for one offer, the one it could see', () => {
  it('a 👍 given before the offer was added to the note applies nothing', async () => {
    await world();
    // A first failure gets a note with no offer (an image on Docker Hub)...
    h.runOnMergeRequest([
      { name: 'lint', image: 'library/nodejs-missing:20', script: ['npm run lint'] },
    ]);
    const bot = h.startBot();
    await bot.poller.runCycle();
    expect(h.botNotes()[0]?.body).not.toContain('Accept with one click');
    // ...which bob thanks with a 👍.
    h.thumbsUp();
    // Then the image of containers/poetry is denied: the same note now offers the change.
    h.runSeed();
    await bot.poller.runCycle();
    expect(h.botNotes()[0]?.body).toContain('Accept with one click');

    await bot.poller.runCycle();

    expect(appLetIn()).toBe(false);
  });

  /** Two images of two projects denied in one pipeline: one note, two offers. */
  async function twoOffers() {
    await world();
    const containers = h.ids.groups.containers;
    const ruby = h.world.addProject({
      path: 'ruby',
      namespaceId: containers,
      visibility: 'private',
    });
    h.world.addRegistryImage(ruby.id, 'ruby', ['3']);
    h.world.addMember(ruby, h.ids.users.alice, 20);
    h.world.addMember(ruby, h.ids.users.bob, 40);
    h.world.addMember(ruby, h.ids.users.bot, 40);
    const rubyImage = `${h.world.registryHost}/containers/ruby/ruby:3`;
    h.runOnMergeRequest([
      { name: 'build-app', image: h.ids.image, script: ['make'] },
      { name: 'test-app', image: rubyImage, script: ['rake'] },
    ]);
    const bot = h.startBot();
    await bot.poller.runCycle();
    const rubyLetIn = () =>
      h.world.evaluatePull(h.ids.projects.app, h.ids.users.alice, rubyImage).ok;

    return { bot, rubyLetIn };
  }

  it('one 👍 on a note with two offers changes no allowlist; a reply naming one changes that one', async () => {
    const { bot, rubyLetIn } = await twoOffers();
    h.thumbsUp();
    await bot.poller.runCycle();

    expect(appLetIn()).toBe(false);
    expect(rubyLetIn()).toBe(false);
    const incidents = bot.store.incidents.listIncidents();
    const poetryIncident = incidents.find((i) => i.targetProjectId === h.ids.projects.poetry);
    const answer = h.botNotes().at(-1);
    expect(answer?.body).toContain(`@diagnoser-bot apply ${poetryIncident?.id}`);

    h.world.addMergeRequestNote(
      h.ids.projects.app,
      h.ids.mergeRequest.iid,
      h.ids.users.bob,
      `@diagnoser-bot apply ${poetryIncident?.id}`,
    );
    await bot.poller.runCycle();

    expect(appLetIn()).toBe(true);
    expect(rubyLetIn()).toBe(false);
  });

  it('tells how to choose once, also when posting that answer failed the first time', async () => {
    const { bot } = await twoOffers();
    h.thumbsUp();
    h.sim.faults.push({ method: 'POST', path: /\/merge_requests\/\d+\/notes$/, status: 500 });

    await bot.poller.runCycle().catch(() => undefined);
    await bot.poller.runCycle();
    await bot.poller.runCycle();

    const answers = h.botNotes().filter((n) => n.body.includes('one approval makes one'));
    expect(answers).toHaveLength(1);
    expect(appLetIn()).toBe(false);
  });
});

describe('only a Maintainer of B who could make the change in GitLab makes it', () => {
  /** What B's allowlists hold: projects and groups. */
  const poetryAllowlist = () => {
    const poetry = h.world.project(h.ids.projects.poetry);
    return {
      projects: [...(poetry?.jobTokenAllowlist.projectIds ?? [])],
      groups: [...(poetry?.jobTokenAllowlist.groupIds ?? [])],
    };
  };

  async function offered() {
    await world();
    h.runSeed();
    const bot = h.startBot();
    await bot.poller.runCycle();
    expect(h.botNotes()[0]?.body).toContain('Accept with one click');
    return bot;
  }

  function approveAs(userId: number, how: 'reaction' | 'reply', command = 'apply') {
    if (how === 'reaction') h.thumbsUp(userId);
    else h.reply(userId, `@diagnoser-bot ${command}`);
  }

  it('a Developer of B approving by reaction and by reply changes no allowlist', async () => {
    const bot = await offered();
    h.world.addMember(h.ids.projects.poetry, h.ids.users.alice, 30);

    approveAs(h.ids.users.alice, 'reaction');
    approveAs(h.ids.users.alice, 'reply');
    await bot.poller.runCycle();

    expect(poetryAllowlist()).toEqual({ projects: [], groups: [] });
    expect(appLetIn()).toBe(false);
  });

  it('bystanders (a Maintainer of A only, a user with no role anywhere) change no allowlist', async () => {
    const bot = await offered();
    const mallory = h.world.addUser({ username: 'mallory' });

    approveAs(h.ids.users.carol, 'reaction');
    approveAs(mallory.id, 'reaction');
    approveAs(h.ids.users.carol, 'reply', 'apply group');
    approveAs(mallory.id, 'reply');
    await bot.poller.runCycle();

    expect(poetryAllowlist()).toEqual({ projects: [], groups: [] });
    expect(appLetIn()).toBe(false);
  });

  it('`apply group` from a Maintainer of B who cannot see the group adds nothing', async () => {
    const bot = await offered();
    // team/app moves out of `team` after the offer: bob still sees team/app, no longer `team`,
    // which the bot's account (a member) still sees, so GitLab would take the bot's write.
    const team = h.world.group(h.ids.groups.team);
    if (!team) throw new Error('no team group');
    h.world.addMember(team, h.ids.users.bot, 20);
    const moved = h.world.addGroup({ path: 'moved' });
    h.world.transferProject(h.ids.projects.app, moved.id);

    approveAs(h.ids.users.bob, 'reply', 'apply group');
    await bot.poller.runCycle();

    expect(poetryAllowlist()).toEqual({ projects: [], groups: [] });
    expect(trailOf(bot).find((a) => a.kind === 'approval')?.status).toBe('refused');
  });

  it('`apply group` from a Maintainer of B who can see the group adds it', async () => {
    const bot = await offered();

    approveAs(h.ids.users.bob, 'reply', 'apply group');
    await bot.poller.runCycle();

    expect(poetryAllowlist()).toEqual({ projects: [], groups: [h.ids.groups.team] });
  });
});

describe('a note names B only as the log did', () => {
  it('a private B the log gives only by its numeric id is not named by its path anywhere in the note', async () => {
    h = await startHarness();
    const platform = addPlatformProjects(h.world, h.ids, { botRole: 40 });
    // Another entry of B's allowlist: the readers of A's merge request may not learn it either.
    const other = h.world.addProject({ path: 'other', namespaceId: h.ids.groups.team });
    h.world.allowlistProject(platform.config, other.id);
    h.runOnMergeRequest([
      {
        name: 'deploy',
        image: 'alpine:3.20',
        script: ['make'],
        tokenSteps: [{ kind: 'curl', project: platform.config, endpoint: 'releases' }],
      },
    ]);
    await h.startBot().poller.runCycle();

    const body = h.botNotes()[0]?.body ?? '';
    expect(body).toContain(`\`${platform.config}\``);
    expect(body).toContain('is not on the CI/CD job token allowlist');
    expect(body.toLowerCase()).not.toContain('platform/config');
    expect(body).not.toContain('Deployment settings');
    expect(body).not.toContain('team/other');
    expect(body).not.toContain('`bob`');
  });
});
