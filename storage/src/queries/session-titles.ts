import { rawSql, type Store } from '../store.js';

/**
 * The title of each of `ids`: the `cairn.session.title` attribute, else the root span's name
 * (the root = a span without parent, else a `session` span), each cut to 200 characters. Read
 * from `session_titles` (migration 0008: kept by a view on `spans`, backfilled for sessions
 * stored before it), by its key (project, session): a page costs 50 small rows, not a scan of
 * its sessions' spans. Sessions without any title are absent from the map.
 *
 * Within a session the root's attribute wins, then the earliest span's; an attribute that is
 * only blanks gives way to the root's name, as it always did.
 */
export async function titlesOf(store: Store, projectId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await rawSql(store).query<{ session_id: string; attr_title: string; root_name: string }>(
    `SELECT session_id, argMinMerge(attr_title) AS attr_title, argMinMerge(root_name) AS root_name
     FROM session_titles
     WHERE project_id = {p:String} AND session_id IN {ids:Array(String)}
     GROUP BY session_id`,
    { p: projectId, ids: [...ids] },
  );
  const titles = new Map<string, string>();
  for (const r of rows) {
    const title = r.attr_title.trim() || r.root_name.trim();
    if (title !== '') titles.set(r.session_id, title);
  }
  return titles;
}
