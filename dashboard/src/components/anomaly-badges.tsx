import type { AnomalyType } from '../api/types';
import { ANOMALY_LABELS } from '../lib/anomalies';
import { Badge } from './common';

/** One badge per detector that flagged the session, in the API's (sorted) order. */
export function AnomalyBadges({ types }: { types: readonly AnomalyType[] }) {
  return types.map((t) => (
    <Badge key={t} tone="amber" title={ANOMALY_LABELS[t].title} data={{ anomaly: t }}>
      {ANOMALY_LABELS[t].label}
    </Badge>
  ));
}
