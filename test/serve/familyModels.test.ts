/**
 * Models of the new families, converted from their Hugging Face layouts, run where users run models: `rook complete`
 * (the CLI's completion path) and `rook serve` (answered through the official OpenAI client), greedy text equal to
 * the engine's on the folder built directly from the same weights.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { convertCheckpoint } from '../../server/model/convert';
import { tempDir } from '../support/tempDir';
import { convertibleFamilies, greedyText as greedy } from '../support/familyModels';
import { hfFamilyCheckpoint } from '../engine/hfCheckpoints';
import { cliPath, startServe } from './serveProcess';

for (const [label, shape] of convertibleFamilies) {
  test(`families: a converted ${label} model completes in rook complete and answers in rook serve as the directly built one does`, async () => {
    const fixture = hfFamilyCheckpoint(shape, 83);
    const out = path.join(tempDir('family-run'), 'model');
    convertCheckpoint(fixture.checkpoint, out);
    const prompt = 'function add(a, b) {';
    const expected = await greedy(fixture.direct, prompt);
    assert.ok(expected.length > 0, 'the model writes something');
    // `rook complete` takes the editor's path, which heals the prompt's last token; the API gives raw continuations.
    const healed = await greedy(fixture.direct, prompt, true);

    const file = path.join(tempDir('family-file'), 'add.js');
    fs.writeFileSync(file, `${prompt}\n`);
    const { stdout } = await promisify(execFile)(process.execPath, [cliPath, 'complete', file, '--line', '1', '--col', String(prompt.length + 1), '--model-dir', out, '--min-confidence', '0', '--max-tokens', '16']);
    // `rook complete` shows what the completion filters keep of the model's text: a part of it.
    assert.ok(stdout.trim().length > 0 && healed.includes(stdout.trim().split('\n')[0].trim()), `rook complete printed ${JSON.stringify(stdout)}; the engine wrote ${JSON.stringify(healed)}`);

    const serve = await startServe(['--model', out]);
    try {
      const client = new OpenAI({ baseURL: serve.baseUrl, apiKey: 'unused' });
      const answer = await client.completions.create({ model: path.basename(out), prompt, max_tokens: 16, temperature: 0 });
      assert.equal(answer.choices[0].text, expected);
    } finally {
      await serve.stop();
    }
  });
}
