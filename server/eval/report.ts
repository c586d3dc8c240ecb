/** The markdown table `rook eval` writes next to its JSON results. */
import type { EvalResults } from './runEval';

const percent = (value: number) => `${(100 * value).toFixed(1)}`;

export function markdownReport(results: EvalResults): string {
  const rows = results.cells.map(
    (c) => `| ${c.lang} | ${c.task} | ${c.cases} | ${percent(c.model.exactMatch)} | ${percent(c.model.editSimilarity)} | ${percent(c.baseline.exactMatch)} | ${percent(c.baseline.editSimilarity)} |`,
  );
  return [
    `# rook eval: ${results.model}`,
    '',
    `Held-out packages (${results.corpus}), seed ${results.seed}, greedy decoding through the completion path.`,
    'Exact match and edit similarity in percent; baseline: copy the rest of the nearest earlier line that starts',
    'like the cursor line (line), repeat the last non-blank line (infill).',
    '',
    '| lang | task | cases | model EM | model ES | baseline EM | baseline ES |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Decode: ${results.decode.tokensPerSecond} tokens/s (ONNX Runtime CPU, ${results.decode.threads} thread(s), ${results.decode.tokens} greedy steps). ` +
      `Whole evaluation: ${results.wallSeconds} s.`,
    '',
    '## Confidence threshold',
    '',
    'Over all cases: the share of positions where a suggestion is shown at each `minConfidence`, and the share of',
    'shown suggestions that are right (exact, or edit similarity of at least 0.5: the user keeps half the text).',
    results.confidence.chosen
      ? `Lowest threshold whose shown suggestions are right at least half the time: **${results.confidence.chosen.threshold}** (${percent(results.confidence.chosen.shown)}% shown, ${percent(results.confidence.chosen.right)}% right).`
      : 'No threshold makes shown suggestions right half the time.',
    '',
    '| minConfidence | shown % | right % | exact % |',
    '|---:|---:|---:|---:|',
    ...results.confidence.curve.map((p) => `| ${p.threshold.toFixed(2)} | ${percent(p.shown)} | ${percent(p.right)} | ${percent(p.exact)} |`),
    '',
    ...crossFileSection(results),
  ].join('\n');
}

/** With and without the workspace index, on lines that use a name defined in another file of their package. */
function crossFileSection({ crossFile }: EvalResults): string[] {
  if (!crossFile) return [];
  return [
    '## Cross-file completions, with and without the workspace index',
    '',
    `${crossFile.cases} line cases whose missing text starts with a name defined in another file of the same held-out package`,
    '(and not in its own file), completed twice on the same model: without context, and with chunks of the package\'s',
    `other files ranked by the workspace index (BM25) and laid out as the sidecar does. The retrieved context held the`,
    `needed name in ${percent(crossFile.nameRetrieved)}% of cases.`,
    '',
    '| prompt | EM | ES |',
    '|---|---:|---:|',
    `| without retrieval | ${percent(crossFile.without.exactMatch)} | ${percent(crossFile.without.editSimilarity)} |`,
    `| with retrieval | ${percent(crossFile.with.exactMatch)} | ${percent(crossFile.with.editSimilarity)} |`,
    '',
  ];
}
