/**
 * The engine Rook talks to during the e2e run: the OpenAI-compatible test server with fixed, recognisable
 * answers, so the checks can tell Rook's output apart from anything VS Code shows on its own.
 */
import { startOpenAIServer, type OpenAIServer } from '../support/openaiServer';

/** What every `/v1/completions` request is answered with: typed after `COMPLETION_PREFIX`, it reads `const answer = 42;`. */
export const COMPLETION_CONTINUATION = ' = 42;';
export const COMPLETION_PREFIX = 'const answer';

/** A markdown chat answer with a code block; the marker and the code line identify it once rendered. */
export const CHAT_ANSWER_MARKER = 'Scripted answer from the test engine.';
export const CHAT_ANSWER_CODE_LINE = 'return a + b;';
export const CHAT_ANSWER = [
  CHAT_ANSWER_MARKER,
  '',
  '```ts',
  'export function add(a: number, b: number): number {',
  `  ${CHAT_ANSWER_CODE_LINE}`,
  '}',
  '```',
  '',
  'It adds two numbers.',
].join('\n');

/**
 * A chat request whose messages contain `scriptedReply(text)` is answered with `text`: the refactor suites
 * put it into the code, instruction, diagnostic or staged diff that Rook sends, so each test scripts its answer.
 */
export function scriptedReply(text: string): string {
  return `<<rook-reply:${encodeURIComponent(text)}>>`;
}

function requestedReply(body: { messages?: { content?: unknown }[] }): string | undefined {
  for (const message of body.messages ?? []) {
    const match = /<<rook-reply:([^>]*)>>/.exec(String(message.content));
    if (match) return decodeURIComponent(match[1]);
  }
  return undefined;
}

export function startScriptedEngine(): Promise<OpenAIServer> {
  return startOpenAIServer({
    reply: ({ path, body }) => (path === '/v1/completions' ? COMPLETION_CONTINUATION : (requestedReply(body) ?? CHAT_ANSWER)),
    // Slow enough that the chat answer arrives as a visible stream of ~40 chunks, fast enough to take ~1 s.
    chunkDelayMs: 25,
  });
}
