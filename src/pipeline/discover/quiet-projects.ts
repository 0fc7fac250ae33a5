/**
 * Quiet projects are polled less often: GitLab limits the jobs endpoint (600
 * requests a minute per user by default), so a large fleet must spend its
 * requests where failures happen. After every two empty polls a project is
 * left out of one more cycle in turn, up to `maxSkip`; spread over cycles by
 * id so the load stays even. In memory only: a restart polls everything.
 */
export function createQuietPacing(maxSkip: number) {
  const streaks = new Map<number, number>();
  let cycle = 0;
  return {
    nextCycle() {
      cycle += 1;
    },
    isDue(projectId: number): boolean {
      const streak = streaks.get(projectId) ?? 0;
      const every = 1 + Math.min(maxSkip, Math.floor(streak / 2));
      return (cycle + projectId) % every === 0;
    },
    record(projectId: number, newFailures: number) {
      if (newFailures > 0) streaks.delete(projectId);
      else streaks.set(projectId, (streaks.get(projectId) ?? 0) + 1);
    },
  };
}
