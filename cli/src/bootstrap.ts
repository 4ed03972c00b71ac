import { createKey, DEFAULT_PROJECT_ID, ensureProject, findKey, hasKeys, type KeyKind, type Store } from '@cairn/storage';
import type { CairnConfig } from './config.js';

export interface BootstrapResult {
  projectId: string;
  /** Keys created by this start (print once); empty when they existed or were preset. */
  created: { kind: KeyKind; key: string }[];
}

/**
 * First start: creates the default project and its keys. Preset keys (CAIRN_INGEST_KEY /
 * CAIRN_ADMIN_KEY) are registered if unknown; otherwise keys are generated only when the
 * project has none of that kind, so restarts never print or create new ones.
 */
export async function bootstrapDefaultProject(store: Store, config: CairnConfig): Promise<BootstrapResult> {
  const projectId = DEFAULT_PROJECT_ID;
  await ensureProject(store, projectId, 'Default project');
  const created: BootstrapResult['created'] = [];
  const presets: [KeyKind, string | undefined][] = [
    ['ingest', config.ingestKey],
    ['admin', config.adminKey],
  ];
  for (const [kind, preset] of presets) {
    if (preset) {
      if (!(await findKey(store, preset))) await createKey(store, { projectId, kind, name: `preset ${kind} key`, key: preset });
    } else if (!(await hasKeys(store, projectId, kind))) {
      const k = await createKey(store, { projectId, kind, name: `first ${kind} key` });
      created.push({ kind, key: k.key });
    }
  }
  return { projectId, created };
}
