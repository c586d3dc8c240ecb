/** The chat template renderer's worker thread (see `templateSandbox.ts`): one render per message, in order. */
import { parentPort } from 'node:worker_threads';
import { renderChatTemplate, type RenderRequest } from './templateRender';

parentPort?.on('message', ({ id, request }: { id: number; request: RenderRequest }) => {
  try {
    parentPort?.postMessage({ id, text: renderChatTemplate(request) });
  } catch (error) {
    parentPort?.postMessage({ id, error: (error as Error).message });
  }
});
