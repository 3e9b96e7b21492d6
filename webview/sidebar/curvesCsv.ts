/**
 * The accuracy curves on the chart as a CSV table (pure; unit-tested): one row per test iteration, one column per
 * curve, empty where a curve has no point. RFC 4180 quoting, so labels with commas or quotes survive a spreadsheet.
 */
import { alignCurves } from '../../src/shared/protocol/webview/sidebar';

export interface CsvCurve {
  label: string;
  iterations: number[];
  accuracy: number[];
}

const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function curvesToCsv(curves: readonly CsvCurve[]): string {
  const [xs, ...ys] = alignCurves(curves);
  const lines = [['iteration', ...curves.map((c) => c.label)].map(quote).join(',')];
  xs.forEach((x, i) => lines.push([String(x), ...ys.map((y) => (y[i] == null ? '' : String(y[i])))].join(',')));
  return lines.join('\n') + '\n';
}
