import type { CalibrationBin, JudgeAgreement } from '../../api/types';
import { count } from '../../lib/format';

const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);

export function BinsTable({ bins }: { bins: CalibrationBin[] }) {
  return (
    <div className="card section">
      <h2>Confidence bins</h2>
      <table className="grid" data-testid="bins-table">
        <thead>
          <tr>
            <th>confidence</th>
            <th className="num">steps</th>
            <th className="num">mean confidence</th>
            <th className="num">observed accuracy</th>
            <th className="num">gap</th>
          </tr>
        </thead>
        <tbody>
          {bins.map((b) => (
            <tr key={b.lower} data-count={b.count}>
              <td className="mono">
                {b.lower.toFixed(1)}–{b.upper.toFixed(1)}
              </td>
              <td className="num">{count(b.count)}</td>
              <td className="num">{pct(b.mean_confidence)}</td>
              <td className="num">{pct(b.accuracy)}</td>
              <td className="num">
                {b.accuracy === null || b.mean_confidence === null ? '—' : pct(b.accuracy - b.mean_confidence)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AgreementTable({ agreement }: { agreement: JudgeAgreement[] }) {
  return (
    <div className="card section">
      <h2>Judge vs human agreement</h2>
      {agreement.length === 0 ? (
        <p className="muted">No step has both a judge score (source eval) and a human verdict.</p>
      ) : (
        <table className="grid" data-testid="agreement-table">
          <thead>
            <tr>
              <th>judge</th>
              <th>human verdict</th>
              <th className="num">steps</th>
              <th className="num">judge agreed</th>
              <th className="num">agreement</th>
            </tr>
          </thead>
          <tbody>
            {agreement.flatMap((a) => [
              <tr key={a.judge} data-judge={a.judge}>
                <td>
                  <b>{a.judge}</b>
                </td>
                <td className="muted">all</td>
                <td className="num">{count(a.count)}</td>
                <td className="num">{count(a.agreed)}</td>
                <td className="num">{pct(a.rate)}</td>
              </tr>,
              ...a.by_label.map((l) => (
                <tr key={`${a.judge}-${l.label}`}>
                  <td />
                  <td>{l.label}</td>
                  <td className="num">{count(l.count)}</td>
                  <td className="num">{count(l.agreed)}</td>
                  <td className="num">{pct(l.rate)}</td>
                </tr>
              )),
            ])}
          </tbody>
        </table>
      )}
    </div>
  );
}
