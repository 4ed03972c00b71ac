import { useParamSetter } from '../lib/use-param';
import { api } from '../api/client';
import type { PriceList } from '../api/types';
import { Badge, ErrorBox, Skeleton } from '../components/common';
import { perMillion, searchPrices } from '../lib/prices';
import { useApi } from '../lib/use-api';

/** The model prices the collector computes costs with (`GET /api/prices`); the search is in the URL (`?price=`). */
export function PricesSection() {
  const prices = useApi<PriceList>('prices', (signal) => api('/api/prices', { signal }));
  const [params, set] = useParamSetter();
  const query = params.get('price') ?? '';
  const setQuery = (v: string) => set('price', v);
  const rows = prices.data ? searchPrices(prices.data.prices, query) : [];

  return (
    <div className="card section" data-testid="prices">
      <div className="row gap">
        <h2 className="grow">Model prices</h2>
        <input
          id="price-search"
          type="search"
          placeholder="search provider, model or a model id"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          aria-label="search prices"
        />
      </div>
      <p className="muted small">
        USD per million tokens. Cairn computes a span&apos;s cost at ingest from this table only when the span does not carry its
        own: a span with a cost (<code>cairn.cost.usd</code>, as the SDK and gateways send) keeps it. Model ids are matched by
        pattern (lower-cased, routing prefixes such as <code>openai/</code> removed); the first matching row wins.
      </p>
      {prices.error ? <ErrorBox error={prices.error} retry={prices.reload} what="prices" /> : null}
      {!prices.data && !prices.error ? <Skeleton rows={6} /> : null}
      {prices.data ? (
        <div className="prices-scroll">
          <table className="grid prices-table" data-testid="prices-table">
            <thead>
              <tr>
                <th>provider</th>
                <th>model</th>
                <th>pattern</th>
                <th className="num">input</th>
                <th className="num">output</th>
                <th className="num">cache read</th>
                <th className="num">cache write</th>
                <th>taken</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ price: p, pricesQuery }) => (
                <tr key={p.pattern} data-model={p.model}>
                  <td>{p.provider}</td>
                  <td>
                    {p.model}
                    {pricesQuery ? (
                      <>
                        {' '}
                        <Badge tone="green">prices “{query.trim()}”</Badge>
                      </>
                    ) : null}
                  </td>
                  <td className="mono">{p.pattern}</td>
                  <td className="num">{perMillion(p.input_usd_per_mtok)}</td>
                  <td className="num">{perMillion(p.output_usd_per_mtok)}</td>
                  <td className="num">{perMillion(p.cache_read_usd_per_mtok)}</td>
                  <td className="num">{perMillion(p.cache_write_usd_per_mtok)}</td>
                  <td className="num muted">{p.taken}</td>
                </tr>
              ))}
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={8} className="muted">
                    No price matches “{query}”: spans of such a model get cost_source unknown unless they carry a cost.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
