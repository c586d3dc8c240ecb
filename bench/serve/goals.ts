/**
 * Issue 18's goals for serving many editors from one engine, checked against one run's measurements, so that
 * `rook bench serve` ends with a table of ratios and whether each goal is met.
 */
export interface GoalInputs {
  /** Per stream count: Rook's aggregate decode tok/s over one stream's, and over llama.cpp's at that count. */
  streams: { streams: number; rookOverOneStream: number; rookOverLlamaCpp: number }[];
  /** Time to first token, p50, of short prompts from `clients` concurrent clients of `rook serve`. */
  serve: { clients: number; ttftP50Ms: number };
  /** Inline-completion latency p50 while a chat streams, over the same on an idle engine. */
  completionUnderChatP50: number;
  /** Decode tok/s with prompt-lookup speculative decoding over plain, on the edit workload, and identical outputs. */
  speculativeEdit: { speedup: number; identical: number; cases: number };
}

export interface GoalRow {
  goal: string;
  measured: string;
  met: boolean;
}

const times = (value: number) => `${value.toFixed(2)}x`;

export function issue18Goals(inputs: GoalInputs): GoalRow[] {
  const rows: GoalRow[] = [];
  const at16 = inputs.streams.find((row) => row.streams === 16);
  if (at16) rows.push({ goal: 'aggregate at 16 streams >= 4x one stream', measured: times(at16.rookOverOneStream), met: at16.rookOverOneStream >= 4 });
  for (const row of inputs.streams) rows.push({ goal: `aggregate at ${row.streams} stream${row.streams === 1 ? '' : 's'} >= llama.cpp's`, measured: times(row.rookOverLlamaCpp), met: row.rookOverLlamaCpp >= 1 });
  rows.push({ goal: `TTFT p50 at ${inputs.serve.clients} clients <= 1 s`, measured: `${Math.round(inputs.serve.ttftP50Ms)} ms`, met: inputs.serve.ttftP50Ms <= 1000 });
  rows.push({ goal: 'completion latency under a streaming chat <= 1.2x idle (p50)', measured: times(inputs.completionUnderChatP50), met: inputs.completionUnderChatP50 <= 1.2 });
  const { speedup, identical, cases } = inputs.speculativeEdit;
  rows.push({ goal: 'speculative decoding >= 1.5x on edits, identical output', measured: `${times(speedup)}, ${identical}/${cases} identical`, met: speedup >= 1.5 && identical === cases });
  return rows;
}

/** The rows as an aligned plain-text table. */
export function formatGoals(rows: GoalRow[]): string {
  const width = Math.max(...rows.map((row) => row.goal.length));
  const measuredWidth = Math.max(...rows.map((row) => row.measured.length));
  return rows.map((row) => `${row.goal.padEnd(width)}  ${row.measured.padStart(measuredWidth)}  ${row.met ? 'met' : 'NOT met'}`).join('\n');
}
