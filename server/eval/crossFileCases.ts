/**
 * Cross-file completion cases (issue 19): a line of a held-out file that uses a name defined in another file of the
 * same package, and not in its own file, with the cursor before that name, so the model can only write it by knowing
 * the other file. Names count as defined where a top-level declaration introduces them (function, class, def,
 * const/let/var at the start of a line, exported or not, or an assignment to `exports.NAME`): a local variable of
 * the same name elsewhere says nothing. Names under five characters are too common to tell anything.
 */
import type { EvalCase, SourceFile } from './cases';

const declaration = /^(?:export\s+(?:default\s+)?)?(?:declare\s+)?(?:async\s+)?(?:function\s*\*?\s*|class\s+|def\s+|(?:const|let|var)\s+|(?:module\.)?exports\.)([A-Za-z_$][\w$]{4,})/gm;
const identifier = /[A-Za-z_$][\w$]{4,}/g;
const importLine = /^\s*(import\b|from\s+\S+\s+import\b|(const|let|var)\s+.*=\s*require\()/;
const commentLine = /^\s*(#|\/\/|\/\*|\*)/;

export interface CrossFileCase extends EvalCase {
  /** The package the case comes from; its other files are what retrieval may search. */
  package: string;
  path: string;
  /** The name defined in another file that the expected text starts with. */
  name: string;
}

export function declaredNames(text: string): Set<string> {
  return new Set([...text.matchAll(declaration)].map((match) => match[1]));
}

/** `perLanguage` cases for each language, from packages with at least two files, drawn with `random`. */
export function crossFileCases(files: readonly SourceFile[], perLanguage: number, random: () => number): CrossFileCase[] {
  const byPackage = new Map<string, SourceFile[]>();
  for (const file of files) byPackage.set(file.package, [...(byPackage.get(file.package) ?? []), file]);
  const candidates = new Map<string, { file: SourceFile; line: number; column: number; name: string }[]>();
  for (const members of byPackage.values()) {
    if (members.length < 2) continue;
    const declared = members.map((file) => declaredNames(file.text));
    members.forEach((file, index) => {
      const elsewhere = new Set(declared.flatMap((names, other) => (other === index ? [] : [...names])));
      const lines = file.text.split('\n');
      lines.forEach((line, number) => {
        if (line.trim().length < 10 || commentLine.test(line) || importLine.test(line)) return;
        for (const match of line.matchAll(identifier)) {
          const name = match[0];
          if (!elsewhere.has(name) || declared[index].has(name) || match.index! <= line.length - line.trimStart().length) continue;
          const pool = candidates.get(file.lang) ?? [];
          pool.push({ file, line: number, column: match.index!, name });
          candidates.set(file.lang, pool);
          break;
        }
      });
    });
  }
  const cases: CrossFileCase[] = [];
  for (const [lang, pool] of [...candidates].sort(([a], [b]) => a.localeCompare(b))) {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(perLanguage, pool.length)) chosen.add(Math.floor(random() * pool.length));
    for (const pick of [...chosen].sort((a, b) => a - b)) {
      const { file, line, column, name } = pool[pick];
      const lines = file.text.split('\n');
      const start = lines.slice(0, line).reduce((sum, text) => sum + text.length + 1, 0);
      const offset = start + column;
      const expected = lines[line].slice(column).trimEnd();
      cases.push({
        id: `cross-${lang}:${file.package}/${file.path}:${line + 1}`,
        task: 'line',
        lang: lang as SourceFile['lang'],
        document: file.text.slice(0, offset) + file.text.slice(start + lines[line].length),
        offset,
        expected,
        package: file.package,
        path: file.path,
        name,
      });
    }
  }
  return cases;
}
