import { parseArgs } from 'node:util';
import { withSystemPrompt } from '../chat/chatPrompt';
import { drain } from '../engines/engine';
import { engineFromFlags, engineOptions } from './engineFromFlags';

/** `rook chat "<message>"`: streams one answer to stdout; Ctrl+C stops it. */
export async function runChat(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: engineOptions });
  const message = positionals.join(' ').trim();
  if (!message) throw new Error('usage: rook chat "<message>"');
  const engine = await engineFromFlags(values);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    await drain(
      engine.chat(
        {
          messages: withSystemPrompt([{ role: 'user', content: message }]),
          maxTokens: Number(values['max-tokens'] ?? 1024),
          temperature: 0.2,
        },
        controller.signal,
      ),
      (text) => process.stdout.write(text),
    );
    process.stdout.write('\n');
    return 0;
  } finally {
    await engine.dispose();
  }
}
