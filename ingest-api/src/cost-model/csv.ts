import type { CostModelResponse } from '@cairn/schemas';

/**
 * The report as CSV in long form — `section,key,metric,value`, one figure a line — so every
 * figure of the JSON is there under a stable name and a spreadsheet can pivot it. Numbers are
 * written with JavaScript's shortest round-trip form (parsing a value gives the same number);
 * a null figure is an empty value.
 */
export const COST_MODEL_CSV_HEADER = 'section,key,metric,value';

type Cell = string | number | boolean | null;

function quote(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function figures(out: Cell[][], section: string, key: string, obj: object): void {
  for (const [metric, value] of Object.entries(obj)) {
    if (value !== null && typeof value === 'object') figures(out, section, key, prefixed(metric, value as object));
    else out.push([section, key, metric, value as Cell]);
  }
}
const prefixed = (prefix: string, obj: object): object =>
  Object.fromEntries(Object.entries(obj).map(([k, v]) => [`${prefix}_${k}`, v as unknown]));

export function costModelCsv(r: CostModelResponse): string {
  const rows: Cell[][] = [];
  figures(rows, 'scope', '', { workflow: r.workflow, agent: r.agent, from: r.from, to: r.to });
  figures(rows, 'params', '', r.params);
  figures(rows, 'sessions', '', r.sessions);
  if (r.distribution) figures(rows, 'distribution', '', r.distribution);
  r.histogram.forEach((b, i) => figures(rows, 'histogram', String(i), b));
  for (const [name, c] of Object.entries(r.classes)) figures(rows, 'class', name, c);
  for (const [name, s] of Object.entries(r.scenarios)) {
    if (s) figures(rows, 'scenario', name, { ...s, name: undefined });
    else rows.push(['scenario', name, 'mean_usd', null]);
  }
  figures(rows, 'risk', '', { failure_to_expected: r.failure_to_expected, ...r.risk });
  if (r.cap) figures(rows, 'cap', '', r.cap);
  r.notes.forEach((n, i) => rows.push(['note', String(i), 'text', n]));
  return (
    [COST_MODEL_CSV_HEADER, ...rows.filter((row) => row[3] !== undefined).map((row) => row.map(quote).join(','))].join('\n') +
    '\n'
  );
}
