/** A file larger than this (the bot's default log limit, twice) has its set pass in a worker thread from the start. */
const LONG_LOG = 8 << 20;

export const isLongLog = (size: number): boolean => size > LONG_LOG;
