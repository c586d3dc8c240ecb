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

/** The problem to report for a file that could not be opened or read: its errno code, else the message. */
export function unreadable(error: unknown): string {
  return `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
}

/** `access(file)` (opening or reading it), a failure reported as `FileError` naming the file and its errno code. */
export function accessModelFile<T>(file: string, access: (file: string) => T, FileError: new (file: string, problem: string) => ModelFileError): T {
  try {
    return access(file);
  } catch (error) {
    throw new FileError(file, unreadable(error));
  }
}
