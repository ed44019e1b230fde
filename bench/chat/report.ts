// Formatting of the bench summary: one aligned plain-text table.

export interface Row {
  scenario: string;
  metric: string;
  value: string;
  target?: string;
  /** 'ok' / 'MISS' when the row has a target; '' otherwise. */
  verdict?: string;
}

export const int = (n: number): string =>
  Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
export const ms = (n: number): string =>
  Number.isFinite(n) ? `${n.toFixed(n < 10 ? 2 : 1)} ms` : 'n/a';
export const pct = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(0)} %` : 'n/a');
export const num = (n: number, digits = 1): string =>
  Number.isFinite(n) ? n.toFixed(digits) : 'n/a';

export const verdict = (pass: boolean | null): string =>
  pass === null ? 'n/a' : pass ? 'ok' : 'MISS';

export function formatTable(rows: Row[]): string {
  const header: Row = {
    scenario: 'scenario',
    metric: 'metric',
    value: 'value',
    target: 'target',
    verdict: '',
  };
  const all = [header, ...rows];
  const w = (pick: (r: Row) => string) => Math.max(...all.map((r) => pick(r).length));
  const ws = w((r) => r.scenario);
  const wm = w((r) => r.metric);
  const wv = w((r) => r.value);
  const wt = w((r) => r.target ?? '');
  const line = (r: Row) =>
    `${r.scenario.padEnd(ws)}  ${r.metric.padEnd(wm)}  ${r.value.padStart(wv)}  ${(r.target ?? '').padEnd(wt)}  ${r.verdict ?? ''}`.trimEnd();
  const rule = '-'.repeat(ws + wm + wv + wt + 12);
  const out = [line(header), rule];
  let previous = '';
  for (const r of rows) {
    if (previous && r.scenario !== previous) out.push('');
    out.push(line(r));
    previous = r.scenario;
  }
  return out.join('\n');
}
