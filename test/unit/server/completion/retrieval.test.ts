import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { retrievalQuery, selectRetrieved } from '../../../../server/completion/retrieval';

describe('retrieval for completions', () => {
  test('the query is the names near the cursor, nearest first, up to the cursor', () => {
    const text = 'import { loadSettings } from "./settings";\n\nconst settings = loadSettings(root);\nconst port = parsePortNumber(settings.port)';
    assert.deepEqual(retrievalQuery(text, text.length - 1), ['port', 'settings', 'parseportnumber', 'root', 'loadsettings']);
    assert.deepEqual(retrievalQuery(text, text.indexOf('(root')), ['loadsettings', 'settings']);
  });

  test('chunks fit the budget, skip lines definitions bring, and a long one keeps its lines from the first match', () => {
    const chunk = (uri: string, firstLine: number, text: string, score = 1) => ({ uri, firstLine, text, score });
    const long = ['// header', '// more header', 'export function parsePortNumber(text: string) {', '  return Number(text);', '}'].join('\n');
    const chosen = selectRetrieved(
      [chunk('file:///w/covered.ts', 10, 'a\nb\nc\nd'), chunk('file:///w/port.ts', 0, long), chunk('file:///w/other.ts', 0, 'x'.repeat(500))],
      ['parseportnumber'],
      90,
      [{ uri: 'file:///w/covered.ts', firstLine: 10, lastLine: 12 }],
    );
    assert.deepEqual(
      chosen.map((snippet) => [snippet.uri, snippet.firstLine, snippet.text]),
      [['file:///w/port.ts', 2, 'export function parsePortNumber(text: string) {\n  return Number(text);\n}']],
    );
  });
});
