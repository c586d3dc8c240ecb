/**
 * The HTML of the model comparison's webview: one table, from the sidecar's `Comparison`. The page runs no script
 * (none is allowed by its CSP, and the webview is created without scripts) and loads nothing; its one style element
 * carries the nonce. Every text in it (model names from servers, paths, error messages) is HTML-escaped, so no
 * server's text becomes markup. The ids and classes are the hooks the e2e check reads.
 */
import type { CandidateScores, Comparison } from '../../server/protocol/contract';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]);
}

const percent = (share: number) => (100 * share).toFixed(1);

const columns: { title: string; cell: (row: CandidateScores) => string; numeric?: boolean }[] = [
  { title: 'candidate', cell: (row) => row.name },
  { title: 'where', cell: (row) => row.location },
  { title: 'cases', cell: (row) => String(row.cases), numeric: true },
  { title: 'exact %', cell: (row) => percent(row.exactMatch), numeric: true },
  { title: 'edit sim %', cell: (row) => percent(row.editSimilarity), numeric: true },
  { title: 'p50 ms', cell: (row) => row.latencyP50Ms.toFixed(0), numeric: true },
  { title: 'p95 ms', cell: (row) => row.latencyP95Ms.toFixed(0), numeric: true },
  { title: 'tokens/s', cell: (row) => (row.tokensPerSecond === undefined ? 'n/a' : `${row.tokensEstimated ? '~' : ''}${row.tokensPerSecond.toFixed(1)}`), numeric: true },
  { title: 'shown %', cell: (row) => percent(row.shown), numeric: true },
];

function notes(comparison: Comparison): string[] {
  return [
    `${comparison.lineCases} line completions and ${comparison.infillCases} infills cut from ${comparison.files} code files of this folder (seed ${comparison.seed}; .gitignore and rook.completion.excludeGlobs honoured), run through the completion path, greedy.`,
    'exact %: completions equal to the removed text (line cases: the first line). edit sim %: mean character edit similarity to it.',
    'p50/p95 ms: time from request to answer. tokens/s: tokens generated after the first piece of text arrived, per second (~ estimated from characters; n/a: answers came in one piece).',
    `shown %: suggestions your rook.completion.minConfidence (${comparison.minConfidence}) would show.`,
  ];
}

const style = `
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px 16px; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { border: 1px solid var(--vscode-panel-border, #8884); padding: 4px 10px; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
td.where { color: var(--vscode-descriptionForeground); }
.notes { color: var(--vscode-descriptionForeground); }
.error { color: var(--vscode-errorForeground); }
`;

export function renderComparePage(comparison: Comparison, folderName: string, nonce: string): string {
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'`;
  const head = columns.map((column) => `<th${column.numeric ? ' class="number"' : ''}>${escapeHtml(column.title)}</th>`).join('');
  const rows = comparison.candidates
    .map((row) => {
      const cells = columns.map((column, i) => `<td class="${column.numeric ? 'number' : i === 0 ? 'candidate' : 'where'}">${escapeHtml(column.cell(row))}</td>`);
      return `<tr class="candidate-row">${cells.join('')}</tr>`;
    })
    .join('\n      ');
  const errors = comparison.candidates
    .filter((row) => row.error)
    .map((row) => `<li class="error">${escapeHtml(row.name)} stopped: ${escapeHtml(row.error!)}</li>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <style nonce="${nonce}">${style}</style>
  <title>Rook: models compared</title>
</head>
<body>
  <h1>Models compared on ${escapeHtml(folderName)}</h1>
  <table id="comparison">
    <thead><tr>${head}</tr></thead>
    <tbody>
      ${rows}
    </tbody>
  </table>
  ${comparison.cancelled ? '<p id="cancelled">Cancelled: the scores cover the cases run until then.</p>' : ''}
  ${errors ? `<ul id="errors">${errors}</ul>` : ''}
  <div class="notes">${notes(comparison)
    .map((note) => `<p>${escapeHtml(note)}</p>`)
    .join('')}</div>
</body>
</html>
`;
}
