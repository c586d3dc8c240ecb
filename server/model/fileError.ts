/**
 * A problem with one model file. The message starts with the file's path, so the user knows which file to fix; the
 * subclasses only say which kind of file it was.
 */
export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
