/**
 * A comparison as a markdown table, for `rook eval --repo` and anything else that shows it as text. Names and
 * errors come from model servers, so table cells are escaped: a `|` or a line break cannot break the table, and
 * markdown and HTML characters are shown as they are.
 */
import * as path from 'node:path';
import type { CandidateScores, Comparison } from '../protocol/contract';

/** Text shown literally in a markdown table cell. */
export function markdownCell(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_[\]|<>&]/g, (c) => `\\${c}`)
    .trim();
}

const percent = (value: number) => (100 * value).toFixed(1);
const ms = (value: number) => value.toFixed(0);

/** Tokens per second as a table shows it: `~` marks an estimate, `n/a` none measured. */
function tokensPerSecondText(row: CandidateScores): string {
  if (row.tokensPerSecond === undefined) return 'n/a';
  return `${row.tokensEstimated ? '~' : ''}${row.tokensPerSecond.toFixed(1)}`;
}

const comparisonColumns = ['candidate', 'where', 'cases', 'exact %', 'edit sim %', 'p50 ms', 'p95 ms', 'tokens/s', 'shown %'] as const;

/** One row's cells in `comparisonColumns` order, as plain text (not yet escaped for any format). */
function comparisonCells(row: CandidateScores): string[] {
  return [row.name, row.location, String(row.cases), percent(row.exactMatch), percent(row.editSimilarity), ms(row.latencyP50Ms), ms(row.latencyP95Ms), tokensPerSecondText(row), percent(row.shown)];
}

/** What the numbers mean, one sentence a line. */
function comparisonNotes(comparison: Comparison): string[] {
  return [
    `${comparison.lineCases} line completions and ${comparison.infillCases} infills cut from ${comparison.files} code files (seed ${comparison.seed}), run through the editor's completion path, greedy.`,
    'exact %: completions equal to the removed text (line cases: the first line); edit sim %: mean character edit similarity to it.',
    'p50/p95 ms: time from request to answer; tokens/s: tokens generated after the first piece of text arrived, per second (~ estimated from characters, n/a: answers came in one piece).',
    `shown %: cases whose suggestion rook.completion.minConfidence ${comparison.minConfidence} would show (non-empty, and as sure as that, or from an engine that reports no confidence).`,
  ];
}

/** The title line: which folder the cases came from (its name only; the full path stays on this machine). */
export function compareReportHeading(comparison: Comparison): string {
  return `# Models compared on ${markdownCell(path.basename(comparison.root))}`;
}

export function comparisonMarkdown(comparison: Comparison): string {
  const rows = comparison.candidates.map((row) => `| ${comparisonCells(row).map(markdownCell).join(' | ')} |`);
  const errors = comparison.candidates.filter((row) => row.error).map((row) => `- ${markdownCell(row.name)} stopped: ${markdownCell(row.error!)}`);
  return [
    `| ${comparisonColumns.join(' | ')} |`,
    `|---|---|${'---:|'.repeat(comparisonColumns.length - 2)}`,
    ...rows,
    '',
    ...comparisonNotes(comparison),
    ...(comparison.cancelled ? ['', 'Cancelled: the scores cover the cases run until then.'] : []),
    ...(errors.length > 0 ? ['', ...errors] : []),
    '',
  ].join('\n');
}
