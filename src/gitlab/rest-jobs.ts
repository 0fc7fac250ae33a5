import { LIST_LIMIT, type Api } from './api.js';
import { readHeadAndTail } from './log-stream.js';
import type { GitlabPort } from './port.js';
import type { Requester } from './request.js';
import * as S from './schema.js';

/** Jobs, their logs, and pipelines. */
export function jobMethods(
  api: Api,
  { read, write }: Requester,
): Pick<
  GitlabPort,
  | 'listFailedJobs'
  | 'getJob'
  | 'getJobLog'
  | 'getPipeline'
  | 'listPipelineJobs'
  | 'retryJob'
  | 'latestPipeline'
> {
  return {
    async listFailedJobs(projectId, { perPage, page }) {
      return read(
        {
          what: `listing failed jobs of project ${projectId}`,
          needs: 'Reporter on the project (read_build)',
        },
        async () =>
          S.Job.array().parse(await api.Jobs.all(projectId, { scope: 'failed', perPage, page })),
      );
    },

    async getJob(projectId, jobId) {
      return read({ what: `reading job ${jobId}`, needs: 'Reporter on the project' }, async () =>
        S.Job.parse(await api.Jobs.show(projectId, jobId)),
      );
    },

    async getJobLog(projectId, jobId, maxBytes) {
      return read(
        {
          what: `reading the log of job ${jobId}`,
          needs: 'Reporter on the project (read_build)',
        },
        async () => {
          // gitbeaker's type lacks asStream on showLog; it works at run time.
          const stream = (await api.Jobs.showLog(projectId, jobId, {
            asStream: true,
          } as Record<string, unknown>)) as unknown as ReadableStream<Uint8Array> | string;
          return typeof stream === 'string' ? stream : readHeadAndTail(stream, maxBytes);
        },
      );
    },

    async getPipeline(projectId, pipelineId) {
      return read({ what: `reading pipeline ${pipelineId}` }, async () =>
        S.Pipeline.parse(await api.Pipelines.show(projectId, pipelineId)),
      );
    },

    async listPipelineJobs(projectId, pipelineId) {
      return read({ what: `listing the jobs of pipeline ${pipelineId}` }, async () =>
        S.Job.array().parse(await api.Jobs.all(projectId, { pipelineId, ...LIST_LIMIT })),
      );
    },

    async retryJob(projectId, jobId) {
      return write({ what: `retrying job ${jobId}`, needs: 'Developer on the project' }, async () =>
        S.Job.parse(await api.Jobs.retry(projectId, jobId)),
      );
    },

    async latestPipeline(projectId, ref) {
      const rows = await read({ what: `reading the latest pipeline of ${ref}` }, async () =>
        S.Pipeline.array().parse(await api.Pipelines.all(projectId, { ref, perPage: 1, page: 1 })),
      );
      return rows[0];
    },
  };
}
