import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { identifierParts, queryTerms, terms } from '../../../../server/index/terms';

describe('index terms', () => {
  test('identifiers split as code names them: camelCase, PascalCase, acronyms, snake_case, digits', () => {
    assert.deepEqual(identifierParts('parseHttpResponse'), ['parse', 'http', 'response']);
    assert.deepEqual(identifierParts('HTTPServer2Config'), ['http', 'server', '2', 'config']);
    assert.deepEqual(identifierParts('MAX_FILE_BYTES'), ['max', 'file', 'bytes']);
    assert.deepEqual(identifierParts('__init__'), ['init']);
    assert.deepEqual(identifierParts('$scope'), ['scope']);
    assert.deepEqual(identifierParts('utf8Decoder'), ['utf', '8', 'decoder']);
  });

  test('terms are the whole identifier and its parts, lower-cased, without keywords or one-letter names', () => {
    assert.deepEqual(terms('const parseHttpResponse = (x) => read_file_text(x);'), ['parsehttpresponse', 'parse', 'http', 'response', 'read_file_text', 'read', 'file', 'text']);
    // A one-part name is counted once; counts repeat with occurrences (BM25 reads them).
    assert.deepEqual(terms('total = total + 1; return total'), ['total', 'total', 'total']);
    assert.deepEqual(terms('def __init__(self): pass'), ['__init__']);
  });

  test('a query is the distinct whole names nearest the end, keywords and short names left out', () => {
    assert.deepEqual(queryTerms('import { loadConfig } from "./config";\nconst value = loadConfig(path);\nif (value.ok) return'), ['ok', 'value', 'path', 'loadconfig', 'config'].filter((t) => t.length >= 3));
    assert.deepEqual(queryTerms('a b c alpha beta gamma delta', 2), ['delta', 'gamma']);
  });
});
