/** The CLI's progress bar: redrawn in place on a terminal, a line a tenth in a log. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressBar, progressLine } from '../../../../server/cli/progressBar';

const sink = (isTTY: boolean) => {
  const written: string[] = [];
  return { written, stream: { isTTY, columns: 60, write: (text: string) => void written.push(text) } };
};

test('a line shows the share done as a bar, the count and what runs', () => {
  assert.equal(progressLine(3, 12, 'cases', 'local · m'), '[######------------------]  3/12 cases  local · m');
  assert.equal(progressLine(0, 0, 'cases'), '[########################] 0/0 cases');
});

test('on a terminal the bar is redrawn in place and ends with a newline', () => {
  const { written, stream } = sink(true);
  const bar = progressBar(stream, 'cases');
  for (let done = 1; done <= 3; done++) bar.update(done, 3);
  bar.finish();
  assert.equal(written.length, 4);
  assert.ok(written.slice(0, 3).every((text) => text.startsWith('\r') && text.length === 60));
  assert.equal(written[3], '\n');
});

test('in a log (not a terminal) it writes one line at each tenth, not one a case', () => {
  const { written, stream } = sink(false);
  const bar = progressBar(stream, 'cases');
  for (let done = 1; done <= 200; done++) bar.update(done, 200);
  bar.finish();
  assert.equal(written.length, 11);
  assert.ok(written.every((text) => text.endsWith('\n') && !text.includes('\r')));
  assert.match(written.at(-1)!, /200\/200 cases/);
});
