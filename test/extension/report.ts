/**
 * What the extension-host suites hand back to the e2e harness, which runs them in a browser workbench and
 * cannot see their console: a JSON file at the path in `ROOK_EXTENSION_TEST_REPORT` (when set).
 */

export const REPORT_PATH_ENV = 'ROOK_EXTENSION_TEST_REPORT';

export interface TestOutcome {
  title: string;
  passed: boolean;
  durationMs?: number;
  error?: string;
}

export interface SuiteReport {
  tests: TestOutcome[];
  /** Measurements taken by the suites, e.g. activation time in milliseconds. */
  metrics: Record<string, number>;
}

/** Filled by the suites while they run; index.ts writes it out. */
export const metrics: Record<string, number> = {};
