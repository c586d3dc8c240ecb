/**
 * A progress bar for long commands, on stderr so stdout keeps only the result: redrawn in place on a terminal, and
 * where stderr is a file or a pipe (CI logs), one line at each tenth instead of a stream of carriage returns.
 */
export interface ProgressBar {
  update(done: number, total: number, detail?: string): void;
  /** Ends the bar's line. */
  finish(): void;
}

const width = 24;

/** `[#########---------------]  12/32 cases  detail`. */
export function progressLine(done: number, total: number, unit: string, detail = ''): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const count = `${String(done).padStart(String(total).length)}/${total} ${unit}`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${count}${detail ? `  ${detail}` : ''}`;
}

export function progressBar(stream: { write(text: string): unknown; isTTY?: boolean; columns?: number }, unit: string): ProgressBar {
  let lastTenth = -1;
  let drawn = false;
  return {
    update(done, total, detail) {
      const line = progressLine(done, total, unit, detail);
      if (stream.isTTY) {
        const columns = stream.columns ?? 80;
        stream.write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
        drawn = true;
        return;
      }
      const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      stream.write(`${line}\n`);
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
