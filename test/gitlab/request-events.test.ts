import { afterEach, describe, expect, it } from 'vitest';
import { createGitlabAdapter } from '../../src/gitlab/client.js';
import type { RequestEvent } from '../../src/gitlab/request.js';
import { seedStoryWorld, startSimulator, type Simulator } from '../../src/simulator/index.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('request events: read or write is the requester’s to say, not the wording’s', () => {
  it('counts a commit reply and a first comment as writes, and listing them as a read', async () => {
    const { world, ids } = seedStoryWorld();
    sim = await startSimulator({ world });
    const events: RequestEvent[] = [];
    const gitlab = createGitlabAdapter({
      url: sim.url,
      token: ids.tokens.bot,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      onRequest: (event) => events.push(event),
    });
    const { projectId, sha } = ids.mergeRequest;

    const discussion = await gitlab.createCommitDiscussion(projectId, sha, 'first');
    await gitlab.replyToCommitDiscussion(projectId, sha, discussion.id, 'second');
    await gitlab.listCommitDiscussions(projectId, sha);

    expect(events.map((e) => [e.what.split(' ')[0], e.kind, e.status])).toEqual([
      ['commenting', 'write', 200],
      ['replying', 'write', 200],
      ['reading', 'read', 200],
    ]);
  });
});
