import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EditProposal, streamingPreview } from '../../../../extension/refactor/editProposal';

const original = 'function sum(a, b) {\n  return a + b;\n}\n';
const rewrite = 'function add(a, b) {\n  return a + b;\n};\n';

test('a rewrite with two separate changes has two hunks, both undecided', () => {
  const proposal = new EditProposal(original, rewrite);
  assert.equal(proposal.hunks.length, 2);
  assert.equal(proposal.settled, false);
  assert.equal(proposal.preview(), rewrite);
});

test('accepting one hunk and rejecting the other applies only the accepted one', () => {
  const proposal = new EditProposal(original, rewrite);
  proposal.decide(1, 'rejected');
  assert.equal(proposal.preview(), 'function add(a, b) {\n  return a + b;\n}\n');
  proposal.decide(0, 'accepted');
  assert.ok(proposal.settled);
  assert.ok(proposal.anyAccepted);
  assert.equal(proposal.result(), 'function add(a, b) {\n  return a + b;\n}\n');
});

test('rejecting everything gives the original back exactly', () => {
  const proposal = new EditProposal(original, rewrite);
  proposal.decideRemaining('rejected');
  assert.equal(proposal.anyAccepted, false);
  assert.equal(proposal.result(), original);
});

test('a decided hunk keeps its decision; accept-all decides only the rest', () => {
  const proposal = new EditProposal(original, rewrite);
  proposal.decide(0, 'rejected');
  proposal.decide(0, 'accepted');
  proposal.decideRemaining('accepted');
  assert.equal(proposal.decision(0), 'rejected');
  assert.equal(proposal.decision(1), 'accepted');
  assert.equal(proposal.result(), 'function sum(a, b) {\n  return a + b;\n};\n');
});

test('previewLine follows the lines earlier hunks add, unless they are rejected', () => {
  const proposal = new EditProposal('a\nb\nc\n', '/** a */\n/** more */\na\nb\nC\n');
  assert.deepEqual([proposal.previewLine(0), proposal.previewLine(1)], [0, 4]);
  proposal.decide(0, 'rejected');
  assert.equal(proposal.previewLine(1), 2);
});

test('while streaming, received lines replace as many original lines', () => {
  assert.equal(streamingPreview('a\nb\nc\n', ''), 'a\nb\nc\n');
  assert.equal(streamingPreview('a\nb\nc\n', 'A'), 'A\nb\nc\n');
  assert.equal(streamingPreview('a\nb\nc\n', 'A\nB\nC\nD'), 'A\nB\nC\nD\n');
  assert.equal(streamingPreview('a\nb', 'A\nB\nC'), 'A\nB\nC');
});
