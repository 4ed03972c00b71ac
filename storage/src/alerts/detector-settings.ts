import { rawSql, type Store } from '../store.js';
import { nextVersion } from '../versioned-table.js';

/** A project's saved detector settings (`detector_settings`, one JSON document per project). */
export async function getDetectorSettingsJson(store: Store, projectId: string): Promise<string | undefined> {
  const rows = await rawSql(store).query<{ settings: string }>(
    'SELECT settings FROM detector_settings FINAL WHERE project_id = {p:String}',
    { p: projectId },
  );
  return rows[0]?.settings;
}

/** Saves a project's whole settings document as a new version. */
export async function putDetectorSettingsJson(store: Store, projectId: string, settings: string): Promise<void> {
  await rawSql(store).insertRows('detector_settings', [{ project_id: projectId, settings, version: nextVersion() }]);
}
