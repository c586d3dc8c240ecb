import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contextContinuations as candidatesIn, defaultContinuationLimits, likeliest, lineRepeatLogPrior, type ContinuationSources } from '../../../../server/completion/contextCandidates';

/** The candidates' texts. */
const continuationsIn = (linePrefix: string, sources: ContinuationSources, limits = defaultContinuationLimits) => candidatesIn(linePrefix, sources, limits).map(({ text }) => text);
/** The document around the cursor, no snippets. */
const contextContinuations = (linePrefix: string, before: string, after: string) => continuationsIn(linePrefix, { before, after, snippets: '' });

describe('contextContinuations', () => {
  test('offers what followed the typed text elsewhere in the prompt, to the end of that line', () => {
    const before = 'const total = computeTotal(cart.items, taxRate);\nlog(total);\nconst again = computeT';
    assert.deepEqual(contextContinuations('const again = computeT', before, '\nreturn again;\n'), ['otal(cart.items, taxRate);']);
  });

  test('a line that starts as the typed line does counts even when little is typed', () => {
    const before = '    assert f(1) == 2\n    x = 3\n    as';
    assert.deepEqual(contextContinuations('    as', before, ''), ['sert f(1) == 2']);
  });

  test('a typed text shorter than minMatchChars matches only where a line starts with it: too many places would qualify', () => {
    const before = 'value = xs[0]\nys = 1\ns';
    assert.deepEqual(contextContinuations('s', before, ''), []);
  });

  test('the longest match comes first, then one that starts its line, then the nearest', () => {
    const before = [
      'run(alpha, beta)', // the whole typed text, at a line start, farthest
      'x = run(alpha, gamma)', // the whole typed text inside a line
      'y = run(alpha, delta)', // the same, nearer
      '  run(alpha',
    ].join('\n');
    assert.deepEqual(contextContinuations('  run(alpha', before, ''), [', beta)', ', delta)', ', gamma)']);
  });

  test('the text after the cursor is searched too, nearest first', () => {
    const after = '\nfirst = parse(input, strict=True)\nsecond = parse(input, strict=False)\n';
    assert.deepEqual(contextContinuations('value = parse(inp', 'value = parse(inp', after), ['ut, strict=True)', 'ut, strict=False)']);
  });

  test('duplicates, empty rests of lines and over-long lines are left out; at most maxCandidates', () => {
    const long = `call(${'x'.repeat(defaultContinuationLimits.maxChars)})`;
    const before = ['call(a)', 'call(a)', 'call(', long, 'call(b)', 'call(c)', 'call(d)', 'call(e)', 'call('].join('\n');
    const found = contextContinuations('call(', before, '');
    assert.equal(found.length, defaultContinuationLimits.maxCandidates);
    assert.deepEqual(found, ['e)', 'd)', 'c)', 'b)']);
    assert.ok(!found.includes(long.slice(5)));
  });

  test('a blank cursor line gets no candidates', () => {
    assert.deepEqual(contextContinuations('    ', 'a = 1\n    ', ''), []);
    assert.deepEqual(contextContinuations('', 'a = 1\n', ''), []);
  });

  test('matches in retrieved snippets written as comments count, after the document\'s at an equal match', () => {
    const snippets = '// Compare this snippet from src/cart.ts:\n// export function applyDiscount(order: Order, code: string): Order {\n';
    assert.deepEqual(continuationsIn('const next = applyDisc', { before: 'const next = applyDisc', after: '', snippets }), ['ount(order: Order, code: string): Order {']);
    const before = 'x = applyDiscount(order, coupon);\nconst next = applyDisc';
    assert.deepEqual(continuationsIn('next = applyDisc', { before, after: '', snippets }), ['ount(order, coupon);', 'ount(order: Order, code: string): Order {']);
  });

  test('a copy of a line that starts as the typed line does carries the prior weight; other matches none', () => {
    const before = ['x = run(alpha, gamma)', '  run(alpha, beta)', 'y = 1', '  run(alpha'].join('\n');
    assert.deepEqual(candidatesIn('  run(alpha', { before, after: '', snippets: '' }), [
      { text: ', beta)', logPrior: lineRepeatLogPrior },
      { text: ', gamma)', logPrior: 0 },
    ]);
    // The same rest of a line found both ways is offered once, with the weight, though the other match is nearer.
    const twice = ['run(alpha, beta)', 'f = run(alpha, beta)', 'run(alpha'].join('\n');
    assert.deepEqual(candidatesIn('run(alpha', { before: twice, after: '', snippets: '' }), [{ text: ', beta)', logPrior: lineRepeatLogPrior }]);
    // A typed line longer than maxMatchChars is compared by its end only, so no copy is known to start as it does.
    const long = `${'a'.repeat(defaultContinuationLimits.maxMatchChars)} = b`;
    assert.deepEqual(candidatesIn(long, { before: `${long}(1)\n${long}`, after: '', snippets: '' }), [{ text: '(1)', logPrior: 0 }]);
  });

  test('only the nearest maxOccurrences occurrences are looked at on each side', () => {
    const limits = { ...defaultContinuationLimits, maxOccurrences: 2 };
    const before = ['f(far)', 'f(middle)', 'f(near)', 'f('].join('\n');
    assert.deepEqual(continuationsIn('f(', { before, after: '', snippets: '' }, limits), ['near)', 'middle)']);
  });
});

describe('likeliest', () => {
  const score = (logprob: number) => ({ logprob, tokenLogprobs: [] });
  const plain = [{ text: 'a' }, { text: 'b' }, { text: 'c' }];

  test('picks the highest whole-line log-probability; the greedy answer (first) wins ties', () => {
    assert.equal(likeliest([score(-3), score(-2.5), score(-4)], plain), 1);
    assert.equal(likeliest([score(-2), score(-2)], plain), 0);
    assert.equal(likeliest([score(-2), score(-Infinity)], plain), 0);
  });

  test('adds each continuation\'s prior weight to its log-probability', () => {
    const weighted = [{ text: 'a' }, { text: 'b', logPrior: 0 }, { text: 'c', logPrior: 10 }];
    assert.equal(likeliest([score(-3), score(-2.5), score(-12)], weighted), 2);
    assert.equal(likeliest([score(-3), score(-2.5), score(-12.6)], weighted), 1);
    assert.equal(likeliest([score(-3), score(-2.5), score(-Infinity)], weighted), 1);
  });
});
