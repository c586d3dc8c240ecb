/** The pass/fail record of one e2e run, printed as it grows and summed up at the end. */

export interface CheckResult {
  phase: string;
  name: string;
  passed: boolean;
  detail?: string;
}

export class Results {
  private readonly all: CheckResult[] = [];
  /** Records what the workbench showed when a scenario step failed (a screenshot kept with the sandbox). */
  onStepFailure?: (label: string) => Promise<void>;

  add(result: CheckResult): void {
    this.all.push(result);
    const mark = result.passed ? 'ok  ' : 'FAIL';
    const detail = result.detail ? ` — ${result.detail}` : '';
    console.log(`  ${mark} [${result.phase}] ${result.name}${detail}`);
  }

  get passed(): number {
    return this.all.filter((r) => r.passed).length;
  }

  get failed(): number {
    return this.all.length - this.passed;
  }
}

/**
 * Steps of one scenario, run in order: each depends on the previous one, so after a failure the remaining
 * steps are recorded as failed without running.
 */
export class Scenario {
  private broken = false;

  constructor(
    private readonly results: Results,
    private readonly phase: string,
  ) {}

  async step(name: string, body: () => Promise<void>): Promise<void> {
    if (this.broken) {
      this.results.add({ phase: this.phase, name, passed: false, detail: 'not run: an earlier step failed' });
      return;
    }
    try {
      await body();
      this.results.add({ phase: this.phase, name, passed: true });
    } catch (error) {
      this.broken = true;
      this.results.add({ phase: this.phase, name, passed: false, detail: errorMessage(error) });
      await this.results.onStepFailure?.(`${this.phase} ${name}`).catch((shotError: unknown) => console.error(`    (no screenshot: ${errorMessage(shotError)})`));
    }
  }

  get failed(): boolean {
    return this.broken;
  }
}

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // playwright's messages carry a multi-line call log; the first line says what went wrong.
  return text.split('\n')[0];
}
