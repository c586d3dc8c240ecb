/** The fuzz campaigns' table: one row a target and a total, as `npm run fuzz` and the test layer print it. */
import type { CampaignReport } from './campaign';

const counted = ['tried', 'accepted', 'refused', 'crashes', 'hangs', 'allocations'] as const;

export function formatReport(reports: readonly CampaignReport[]): string {
  const header = ['target', 'tried', 'accepted', 'clean errors', 'crashes', 'hangs', 'allocations', 'slowest ms (input)', 'max alloc/input', 'seconds'];
  const row = (r: CampaignReport) => [r.name, ...counted.map((key) => r[key]), `${r.slowestMs.toFixed(0)} (#${r.slowestIndex})`, r.largestAllocationRatio.toFixed(2), r.seconds.toFixed(0)];
  const sum = (key: (typeof counted)[number] | 'seconds') => reports.reduce((total, r) => total + r[key], 0);
  const total = ['total', ...counted.map(sum), '', '', sum('seconds').toFixed(0)];
  const table = [header, ...reports.map(row), ...(reports.length > 1 ? [total] : [])].map((cells) => cells.map(String));
  const widths = header.map((_, i) => Math.max(...table.map((cells) => cells[i].length)));
  return table.map((cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}
