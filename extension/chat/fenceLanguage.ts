/** The VS Code language of a code fence's tag, for opening a chat code block as a new file. */

/** Fence tags are often short names (`ts`, `py`, `sh`) where VS Code wants language ids. */
const fenceAliases: Record<string, string> = {
  ts: 'typescript',
  js: 'javascript',
  tsx: 'typescriptreact',
  jsx: 'javascriptreact',
  py: 'python',
  sh: 'shellscript',
  bash: 'shellscript',
  rs: 'rust',
  cs: 'csharp',
  'c++': 'cpp',
  yml: 'yaml',
  md: 'markdown',
};

/** `undefined` when VS Code knows no such language (the editor then guesses from the content). */
export function languageIdOf(fenceTag: string, knownLanguages: readonly string[]): string | undefined {
  const tag = fenceTag.trim().toLowerCase();
  const id = fenceAliases[tag] ?? tag;
  return knownLanguages.includes(id) ? id : undefined;
}
