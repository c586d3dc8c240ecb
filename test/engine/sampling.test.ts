import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logProbability, sampleToken, seededRandom, topLogProbabilities } from '../../server/engines/local/sampler';
import { TextStream } from '../../server/engines/local/textStream';

const logits = new Float32Array([1, 3, 2, 0]);

test('sampler: log-probability of a token is its log softmax, stable for large logits', () => {
  const total = [1, 3, 2, 0].reduce((sum, x) => sum + Math.exp(x), 0);
  assert.ok(Math.abs(logProbability(logits, 1) - Math.log(Math.exp(3) / total)) < 1e-12);
  assert.ok(Math.abs(logProbability(new Float32Array([1000, 1000]), 0) - Math.log(0.5)) < 1e-12);
});

test('sampler: the most likely tokens, best first, with their log softmax', () => {
  const top = topLogProbabilities(new Float32Array([1, 3, 2, 3, 0]), 3);
  assert.deepEqual(top.map((choice) => choice.token), [1, 3, 2]);
  for (const choice of top) assert.ok(Math.abs(choice.logprob - logProbability(new Float32Array([1, 3, 2, 3, 0]), choice.token)) < 1e-12);
  assert.deepEqual(topLogProbabilities(logits, 9).map((choice) => choice.token), [1, 2, 0, 3]);
  assert.deepEqual(topLogProbabilities(logits, 0), []);
});

test('sampler: greedy at temperature 0; top-k and top-p restrict the candidates', () => {
  assert.equal(sampleToken(logits, { temperature: 0, topK: 0, topP: 1 }, () => 0.99), 1);
  const draws = (options: { topK: number; topP: number }) => {
    const random = seededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(sampleToken(logits, { temperature: 1, ...options }, random));
    return [...seen].sort();
  };
  assert.deepEqual(draws({ topK: 0, topP: 1 }), [0, 1, 2, 3]);
  assert.deepEqual(draws({ topK: 2, topP: 1 }), [1, 2]);
  // softmax([3, 2, 1, 0]) = [0.64, 0.24, 0.09, 0.03]: p = 0.8 keeps the first two.
  assert.deepEqual(draws({ topK: 0, topP: 0.8 }), [1, 2]);
});

test('text stream: holds back stop-string prefixes and incomplete UTF-8, cuts at the stop', () => {
  const pieces = ['Hel', 'lo', '\n', 'Us', 'er:', ' more'];
  const decode = (tokens: number[]) => tokens.map((t) => pieces[t]).join('');
  const stream = new TextStream(decode, ['\nUser:'], undefined);
  const out = [0, 1, 2, 3, 4].map((token) => stream.push(token));
  assert.deepEqual(out.map((o) => o.text), ['Hel', 'lo', '', '', '']);
  assert.deepEqual(out.map((o) => o.stopped), [false, false, false, false, true]);
  const noStop = new TextStream(decode, ['\nUser:'], undefined);
  [0, 1, 2].forEach((token) => noStop.push(token));
  assert.equal(noStop.push(5).text, '\n more');

  const bytes = ['a', '\uFFFD', 'é'];
  const utf8 = new TextStream((tokens) => (tokens.length === 2 ? 'a\uFFFD' : tokens.map((t) => bytes[t]).join('')), [], undefined);
  assert.equal(utf8.push(0).text, 'a');
  assert.equal(utf8.push(1).text, '');
  assert.deepEqual(utf8.flush(), { text: '\uFFFD', tokens: ['\uFFFD'] });
});

test('text stream: text re-spelled by token healing is not shown, nor searched for stops; its tokens are skipped', () => {
  const pieces = [' fun', 'ction', 'al(x)', '\n', 'y'];
  const decode = (tokens: number[]) => tokens.map((t) => pieces[t]).join('');
  const stream = new TextStream(decode, ['\n'], undefined, ' functio');
  assert.deepEqual(stream.nextTexts([1, 2]), ['', '']);
  assert.deepEqual(stream.push(0), { text: '', tokens: [], stopped: false, skipped: true });
  assert.deepEqual(stream.nextTexts([1, 2]), ['n', ')'], 'a token that crosses the typed text shows only its new part');
  assert.deepEqual(stream.push(1), { text: 'n', tokens: ['n'], stopped: false });
  assert.deepEqual(stream.push(2), { text: 'al(x)', tokens: ['al(x)'], stopped: false });
  assert.deepEqual(stream.push(3), { text: '', tokens: [], stopped: true });

  // A line break typed before the cursor is re-spelled, not taken for the end of the line.
  const lines = new TextStream(decode, ['\n'], undefined, '\n');
  assert.deepEqual(lines.push(3), { text: '', tokens: [], stopped: false, skipped: true });
  assert.deepEqual(lines.push(4), { text: 'y', tokens: ['y'], stopped: false });
});

test('text stream: each piece is whole tokens and names their texts; a stop string cuts the token it starts in', () => {
  const pieces = ['ab\n', 'c', '\n', '\nxy', 'z'];
  const decode = (tokens: number[]) => tokens.map((t) => pieces[t]).join('');
  const stream = new TextStream(decode, ['\n\n'], undefined);
  // 'ab\n' ends in what may begin the stop: the whole token waits, not just its '\n'.
  assert.deepEqual(stream.push(0), { text: '', tokens: [], stopped: false });
  assert.deepEqual(stream.push(1), { text: 'ab\nc', tokens: ['ab\n', 'c'], stopped: false });
  assert.deepEqual(stream.push(2), { text: '', tokens: [], stopped: false });
  assert.deepEqual(stream.push(3), { text: '', tokens: [], stopped: true });
  const cut = new TextStream(decode, ['y'], undefined);
  cut.push(1);
  assert.deepEqual(cut.push(3), { text: '\nx', tokens: ['\nx'], stopped: true });

  // Byte tokens of one character: the token that completes it carries it, the others carry ''.
  const bytes = new TextStream((tokens) => ['', 'a', 'a\uFFFD', 'a\uFFFD', 'a…', 'a…b'][tokens.length], [], undefined);
  assert.deepEqual([0, 1, 2, 3, 4].map((token) => bytes.push(token).tokens), [['a'], [], [], ['', '', '…'], ['b']]);
  assert.deepEqual(bytes.flush(), { text: '', tokens: [] });
});
