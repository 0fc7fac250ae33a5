/** Where the one-click fix of an incident stands, as the note shows it. */
export type FixState =
  | {
      kind: 'offered';
      /** The bot's username, for the reply command. */
      botUsername: string;
      /** Commit discussions have no emoji API: only the reply works there. */
      reactions: boolean;
      /** The group of A that `apply group` would allow instead, if any. */
      sourceGroup?: string;
      /** Set when the note carries several offers: the reply must name this incident. */
      choose?: number;
    }
  | {
      kind: 'applied';
      by: string;
      at: string;
      entry: 'project' | 'group';
      retried: { jobName: string; jobUrl: string; status: string }[];
      /** Why some failed jobs could not be retried. */
      retryProblem?: string;
    }
  /** Accepted, but GitLab's answer to the write was lost: checked and tried again next cycle. */
  | { kind: 'pending'; op: 'add' | 'remove'; by: string; at: string }
  | { kind: 'fixed-by-hand'; at: string }
  | { kind: 'reverted'; by: string; at: string }
  | { kind: 'failed'; reason: string };

/** Where the one-click retry of an infrastructure failure stands, as the note shows it. */
export type RetryState =
  | {
      kind: 'offered';
      botUsername: string;
      /** Commit discussions have no emoji API: only the reply works there. */
      reactions: boolean;
      /** Set when the note carries several offers: the reply must name this incident. */
      choose?: number;
    }
  | {
      kind: 'retried';
      botUsername: string;
      by: string;
      at: string;
      retried: { jobName: string; jobUrl: string; status: string }[];
      /** Why some failed jobs could not be retried. */
      retryProblem?: string;
    };
