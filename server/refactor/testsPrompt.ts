/** Prompting for "Generate Tests": a whole test file for a source file, in the project's framework. */
import type { ChatMessage, EditParams, TestFramework } from '../protocol/contract';

const frameworkHints: Record<TestFramework, string> = {
  jest: 'Jest (`describe`/`it`/`expect`, globals as Jest provides them)',
  vitest: "Vitest (import `describe`, `it`, `expect` from 'vitest')",
  mocha: "Mocha (`describe`/`it`) with Node's `assert` module",
  'node:test': "Node's built-in test runner (`import { test } from 'node:test'`) with `node:assert/strict`",
  pytest: 'pytest (plain `test_*` functions with `assert`)',
};

/** The module name a test file beside the source imports it by: the file name without its extension. */
function moduleName(uri: string): string {
  const file = uri.slice(uri.lastIndexOf('/') + 1);
  const dot = file.lastIndexOf('.');
  return decodeURIComponent(dot > 0 ? file.slice(0, dot) : file);
}

/** How a test file beside the module reaches it. */
function importHint(languageId: string, module: string): string {
  if (languageId === 'python') return `import it with \`from ${module} import …\``;
  if (languageId === 'go') return 'it is in the same package';
  return `import it from \`./${module}\``;
}

export function testsMessages(params: Pick<EditParams, 'uri' | 'languageId' | 'original' | 'testFramework'>): ChatMessage[] {
  const framework = params.testFramework ? frameworkHints[params.testFramework] : `the usual test framework for ${params.languageId}`;
  const module = moduleName(params.uri);
  return [
    {
      role: 'system',
      content:
        'You write unit tests. Reply with one complete test file only, in one fenced code block, with no explanation. ' +
        'Cover normal cases, edge cases and errors; never call the network or depend on the current time.',
    },
    {
      role: 'user',
      content:
        `Write tests with ${framework} for the module \`${module}\`. ` +
        `The test file sits beside it, so ${importHint(params.languageId, module)}.\n\n` +
        `\`\`\`${params.languageId}\n${params.original}\n\`\`\``,
    },
  ];
}
