import type { CalibrationBin, JudgeAgreement } from '../../api/types';
import { DataTable, type Column } from '../../components/data-table';
import { count } from '../../lib/format';

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);

const BIN_COLUMNS: Column<CalibrationBin>[] = [
  {
    head: 'confidence',
    className: 'mono',
    cell: (b) => (
      <>
        {b.lower.toFixed(1)}–{b.upper.toFixed(1)}
      </>
    ),
  },
  { head: 'steps', num: true, cell: (b) => count(b.count) },
  { head: 'mean confidence', num: true, cell: (b) => pct(b.mean_confidence) },
  { head: 'observed accuracy', num: true, cell: (b) => pct(b.accuracy) },
  {
    head: 'gap',
    num: true,
    cell: (b) => (b.accuracy === null || b.mean_confidence === null ? '—' : pct(b.accuracy - b.mean_confidence)),
  },
];

export function BinsTable({ bins }: { bins: CalibrationBin[] }) {
  return (
    <div className="card section">
      <h2>Confidence bins</h2>
      <DataTable
        testId="bins-table"
        columns={BIN_COLUMNS}
        rows={bins}
        rowKey={(b) => String(b.lower)}
        rowProps={(b) => ({ 'data-count': b.count })}
      />
    </div>
  );
}

/** A judge's row (verdict "all"), then one row per human verdict under it with the judge left empty. */
interface AgreementRow {
  judge?: string;
  verdict: string;
  count: number;
  agreed: number;
  rate: number | null;
}

const agreementRows = (agreement: JudgeAgreement[]): AgreementRow[] =>
  agreement.flatMap((a) => [{ ...a, verdict: 'all' }, ...a.by_label.map((l) => ({ ...l, verdict: l.label }))]);

const AGREEMENT_COLUMNS: Column<AgreementRow>[] = [
  { head: 'judge', cell: (r) => (r.judge ? <b>{r.judge}</b> : null) },
  { head: 'human verdict', className: (r) => (r.judge ? 'muted' : undefined), cell: (r) => r.verdict },
  { head: 'steps', num: true, cell: (r) => count(r.count) },
  { head: 'judge agreed', num: true, cell: (r) => count(r.agreed) },
  { head: 'agreement', num: true, cell: (r) => pct(r.rate) },
];

export function AgreementTable({ agreement }: { agreement: JudgeAgreement[] }) {
  return (
    <div className="card section">
      <h2>Judge vs human agreement</h2>
      <DataTable
        testId="agreement-table"
        columns={AGREEMENT_COLUMNS}
        rows={agreementRows(agreement)}
        rowKey={(r, i) => `${r.judge ?? ''}-${r.verdict}-${i}`}
        rowProps={(r) => ({ 'data-judge': r.judge })}
        empty={<p className="muted">No step has both a judge score (source eval) and a human verdict.</p>}
      />
    </div>
  );
}
