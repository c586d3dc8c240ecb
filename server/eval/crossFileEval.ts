/**
 * `rook eval`'s cross-file part: each cross-file case (`crossFileCases.ts`) is completed twice on the same model,
 * once with the prompt the editor builds without context and once with chunks of the package's other files from a
 * workspace index (`server/index/`), chosen and laid out as the sidecar does for a completion (`retrieval.ts`).
 */
import { completeAt } from '../completion/complete';
import { retrievedShare } from '../completion/languageContext';
import { retrievalQuery, selectRetrieved, type RetrievableChunk } from '../completion/retrieval';
import { formatSnippets } from '../completion/snippets';
import type { Engine } from '../engines/engine';
import { Bm25Index } from '../index/bm25';
import { chunkFile, chunkText } from '../index/chunks';
import { terms } from '../index/terms';
import type { SourceFile } from './cases';
import type { CrossFileCase } from './crossFileCases';
import { editSimilarity, exactMatch } from './metrics';

export interface CrossFileScores {
  cases: number;
  without: { exactMatch: number; editSimilarity: number };
  with: { exactMatch: number; editSimilarity: number };
  /** Cases whose retrieved context held the name the line needs. */
  nameRetrieved: number;
  examples: { id: string; expected: string; without: string; with: string }[];
}

const languageIds: Record<SourceFile['lang'], string> = { ts: 'typescript', js: 'javascript', py: 'python' };
const retrievedChunks = 4;

interface PackageIndex {
  index: Bm25Index;
  lines: Map<string, string[]>;
}

/** The index of a package's files, and their lines, as the sidecar would hold them for a workspace of that package. */
function packageIndex(files: readonly SourceFile[]): PackageIndex {
  const index = new Bm25Index();
  const lines = new Map<string, string[]>();
  for (const file of files) {
    const fileLines = file.text.split('\n');
    lines.set(file.path, fileLines);
    index.setFile(file.path, '', chunkFile(fileLines).map((chunk) => ({ ...chunk, terms: terms(chunkText(fileLines, chunk)) })));
  }
  return { index, lines };
}

export async function evaluateCrossFile(engine: Engine, files: readonly SourceFile[], cases: readonly CrossFileCase[], maxTokens: number, onCase: () => void): Promise<CrossFileScores> {
  const signal = new AbortController().signal;
  const options = { maxTokens, temperature: 0, minConfidence: 0 };
  const sums = { withoutEm: 0, withoutEs: 0, withEm: 0, withEs: 0, nameRetrieved: 0 };
  const examples: CrossFileScores['examples'] = [];
  const indexes = new Map<string, PackageIndex>();
  for (const evalCase of cases) {
    let packaged = indexes.get(evalCase.package);
    if (!packaged) indexes.set(evalCase.package, (packaged = packageIndex(files.filter((file) => file.package === evalCase.package))));
    const { index, lines } = packaged;
    const query = retrievalQuery(evalCase.document, evalCase.offset);
    // The case's own file is the document being completed: the sidecar leaves it out of retrieval too.
    const found: RetrievableChunk[] = index.search(query, retrievedChunks, (path) => path !== evalCase.path).map((hit) => ({ uri: hit.path, firstLine: hit.firstLine, text: chunkText(lines.get(hit.path)!, hit), score: hit.score }));
    let context = '';
    const snippets = (maxChars: number) => (context = formatSnippets(selectRetrieved(found, query, Math.floor(maxChars * retrievedShare), []), languageIds[evalCase.lang]));
    const plain = (await completeAt(engine, evalCase.document, evalCase.offset, options, signal)).insertText.split('\n')[0];
    const retrieved = (await completeAt(engine, evalCase.document, evalCase.offset, options, signal, snippets)).insertText.split('\n')[0];
    sums.withoutEm += exactMatch(plain, evalCase.expected) ? 1 : 0;
    sums.withoutEs += editSimilarity(plain, evalCase.expected);
    sums.withEm += exactMatch(retrieved, evalCase.expected) ? 1 : 0;
    sums.withEs += editSimilarity(retrieved, evalCase.expected);
    if (context.includes(evalCase.name)) sums.nameRetrieved++;
    if (examples.length < 8) examples.push({ id: evalCase.id, expected: evalCase.expected, without: plain, with: retrieved });
    onCase();
  }
  const share = (sum: number) => (cases.length === 0 ? 0 : sum / cases.length);
  return {
    cases: cases.length,
    without: { exactMatch: share(sums.withoutEm), editSimilarity: share(sums.withoutEs) },
    with: { exactMatch: share(sums.withEm), editSimilarity: share(sums.withEs) },
    nameRetrieved: share(sums.nameRetrieved),
    examples,
  };
}
