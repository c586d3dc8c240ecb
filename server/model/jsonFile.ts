import * as fs from 'node:fs';
import { unreadable } from './fileError';

/** A JSON file's parsed content; a file that cannot be read or parsed becomes `fail(problem)`, which names it. */
export function readJsonFile(file: string, fail: (problem: string) => Error): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw fail(unreadable(error));
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fail(`not valid JSON (${(error as Error).message})`);
  }
}
