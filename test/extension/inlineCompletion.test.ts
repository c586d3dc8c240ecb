import * as assert from 'node:assert/strict';
import { COMPLETION_CONTINUATION, COMPLETION_PREFIX } from '../e2e/scriptedEngine';
import { rookApi } from './rook';
import { acceptInlineCompletion, openScratchEditor, type ScratchEditor } from './scratchEditor';

describe('Rook inline completions', () => {
  let scratch: ScratchEditor | undefined;

  afterEach(async () => {
    await scratch?.dispose();
    scratch = undefined;
  });

  it("provides the engine's continuation as an inline completion the editor accepts", async () => {
    const api = await rookApi();
    await api.waitForState('ready', 45_000);
    scratch = await openScratchEditor('inline-completion-target.ts', `${COMPLETION_PREFIX}`);

    const text = await acceptInlineCompletion(scratch.editor, 30_000);
    assert.equal(text, `${COMPLETION_PREFIX}${COMPLETION_CONTINUATION}`);
  });
});
