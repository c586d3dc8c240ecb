import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { detectTestFramework, testFilePath } from '../../../../extension/refactor/testFramework';

const manifest = (value: object) => JSON.stringify(value);

test('the framework comes from devDependencies', () => {
  assert.equal(detectTestFramework('typescript', manifest({ devDependencies: { jest: '^29', typescript: '^5' } })), 'jest');
  assert.equal(detectTestFramework('javascript', manifest({ devDependencies: { vitest: '^3' } })), 'vitest');
  assert.equal(detectTestFramework('typescriptreact', manifest({ devDependencies: { mocha: '^11' } })), 'mocha');
  assert.equal(detectTestFramework('typescript', manifest({ dependencies: { jest: '^29' } })), 'jest');
});

test('the test script wins over what is merely installed', () => {
  assert.equal(detectTestFramework('typescript', manifest({ scripts: { test: 'mocha out/**/*.test.js' }, devDependencies: { jest: '1', mocha: '1' } })), 'mocha');
  assert.equal(detectTestFramework('typescript', manifest({ scripts: { test: 'node --test dist/' }, devDependencies: { mocha: '1' } })), 'node:test');
});

test("without a known framework, Node's own runner; a broken package.json is no error", () => {
  assert.equal(detectTestFramework('typescript', manifest({ devDependencies: { typescript: '^5' } })), 'node:test');
  assert.equal(detectTestFramework('javascript', undefined), 'node:test');
  assert.equal(detectTestFramework('javascript', '{ not json'), 'node:test');
});

test('Python uses pytest; other languages are left to the model', () => {
  assert.equal(detectTestFramework('python', undefined), 'pytest');
  assert.equal(detectTestFramework('rust', manifest({ devDependencies: { jest: '1' } })), undefined);
});

test('the test file sits beside the source, named as the language finds tests', () => {
  assert.equal(testFilePath('/w/src/math.ts', 'typescript'), '/w/src/math.test.ts');
  assert.equal(testFilePath('/w/src/view.tsx', 'typescriptreact'), '/w/src/view.test.tsx');
  assert.equal(testFilePath('/w/calc.py', 'python'), '/w/test_calc.py');
  assert.equal(testFilePath('/w/calc.go', 'go'), '/w/calc_test.go');
  assert.equal(testFilePath('/w/Makefile', 'makefile'), '/w/Makefile.test');
});
