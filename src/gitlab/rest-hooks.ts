import { LIST_LIMIT, type Api } from './api.js';
import type { BotHookInput, GitlabPort } from './port.js';
import type { Requester } from './request.js';
import * as S from './schema.js';

const NEEDS = 'Maintainer on that project';

/** What the bot subscribes to; push events default to on, so they are turned off. */
function hookOptions(hook: BotHookInput): Record<string, unknown> {
  return {
    token: hook.token,
    name: 'pipeline-diagnoser',
    pushEvents: false,
    jobEvents: true,
    pipelineEvents: true,
    noteEvents: true,
    emojiEvents: true,
    enableSslVerification: true,
  };
}

/** Project webhooks (`/projects/:id/hooks`), for `hooks install|status|remove`. */
export function hookMethods(
  api: Api,
  { read, write }: Requester,
): Pick<
  GitlabPort,
  'listProjectHooks' | 'addProjectHook' | 'editProjectHook' | 'deleteProjectHook'
> {
  return {
    async listProjectHooks(projectId) {
      return read(
        { what: `listing the webhooks of project ${projectId}`, needs: NEEDS },
        async () => S.ProjectHook.array().parse(await api.ProjectHooks.all(projectId, LIST_LIMIT)),
      );
    },

    async addProjectHook(projectId, hook) {
      return write({ what: `adding a webhook to project ${projectId}`, needs: NEEDS }, async () =>
        S.ProjectHook.parse(await api.ProjectHooks.add(projectId, hook.url, hookOptions(hook))),
      );
    },

    async editProjectHook(projectId, hookId, hook) {
      return write(
        { what: `editing webhook ${hookId} of project ${projectId}`, needs: NEEDS },
        async () =>
          S.ProjectHook.parse(
            await api.ProjectHooks.edit(projectId, hookId, hook.url, hookOptions(hook)),
          ),
      );
    },

    async deleteProjectHook(projectId, hookId) {
      await write(
        { what: `removing webhook ${hookId} of project ${projectId}`, needs: NEEDS },
        async () => S.AnyBody.parse(await api.ProjectHooks.remove(projectId, hookId)),
      );
    },
  };
}
