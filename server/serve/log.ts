/**
 * The server's log. Ordinary lines carry only metadata (method, path, status, timing, sizes, client
 * address); prompts, completions and tokens go only to `debug`, which prints nothing unless the
 * operator started the server with `--debug-log`.
 */
export interface ServeLog {
  info(line: string): void;
  /** Built lazily, so content is not even formatted when debug logging is off. */
  debug(line: () => string): void;
}

export function serveLog(write: (line: string) => void, debugEnabled: boolean): ServeLog {
  const stamp = (line: string) => `${new Date().toISOString()} ${line}`;
  return {
    info: (line) => write(stamp(line)),
    debug: (line) => {
      if (debugEnabled) write(stamp(`debug ${line()}`));
    },
  };
}
