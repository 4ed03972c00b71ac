import type { AnomalyType } from '../api/types';

/**
 * How each anomaly detector of the alert engine (docs/ARCHITECTURE.md, "Budgets, alerts and hard stops") reads in the UI: a short badge
 * label and a tooltip saying what tripped it. A Record over the API's type, so a detector added
 * to the schema fails the type check here until it has a label.
 */
export const ANOMALY_LABELS: Record<AnomalyType, { label: string; title: string }> = {
  session_cost: {
    label: 'cost spike',
    title: "Cost spike: this session cost several times its agent's trailing median (session_cost detector)",
  },
  step_limit: {
    label: 'runaway',
    title: "Runaway: more steps than its agent's limit, configured or derived from history (step_limit detector)",
  },
  retry_loop: {
    label: 'retry loop',
    title: 'Retry loop: the same tool was called with the same arguments over and over (retry_loop detector)',
  },
  error_rate: {
    label: 'error spike',
    title: "Error spike: this session failed while its agent's error rate spiked (error_rate detector)",
  },
};

/** Detector types in the order the filter offers them. */
export const ANOMALY_TYPE_LIST = Object.keys(ANOMALY_LABELS) as AnomalyType[];

export function isAnomalyType(s: string): s is AnomalyType {
  return Object.hasOwn(ANOMALY_LABELS, s);
}
