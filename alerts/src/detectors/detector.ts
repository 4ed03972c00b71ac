import type { AlertType, DetectorSettings } from '@cairn/schemas';
import type { SessionFigures, Store } from '@cairn/storage';
import type { AlertDraft } from '../payloads.js';
import type { AgentBaseline } from './baselines.js';

/** What every detector gets once per project and tick. */
export interface DetectorContext {
  store: Store;
  projectId: string;
  nowMs: number;
  /** The project's settings (defaults overridden by PUT /api/alerts/detectors). */
  settings: DetectorSettings;
  /** Sessions with spans ingested within the lookback, with their whole-session figures. */
  candidates: readonly SessionFigures[];
  /** Per-agent figures over the trailing baseline window (reused between ticks for a while). */
  baselines: ReadonlyMap<string, AgentBaseline>;
}

/**
 * One anomaly rule. Its drafts' `key` makes each alert fire once ever (per session, or per agent
 * and window); `flagSessions` names the sessions `GET /api/sessions?anomaly=` shows.
 */
export interface Detector {
  /** The alert type it fires: `anomaly.<name>`, the flag being `<name>`. */
  readonly type: AlertType;
  detect(ctx: DetectorContext): Promise<AlertDraft[]>;
}
