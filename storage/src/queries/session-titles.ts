import { ATTR } from '@cairn/schemas';
import { rawSql, type Store } from '../store.js';

/** Titles longer than this are cut: the list shows one line, and a hostile attribute must not bloat a page. */
const MAX_TITLE = 200;

/**
 * The title of each of `ids`: the `cairn.session.title` attribute, else the root span's name
 * (the root = a span without parent, else a `session` span). Computed at query time from
 * `spans`, so no migration and old sessions get titles too. Reads the given sessions only — a
 * page or one session, never the whole project — by the table's key prefix (project, session).
 * Sessions without any title are absent from the map.
 *
 * The attribute is looked up in the `attributes` JSON (the collector keeps there every attribute
 * no column took); the `position` test skips JSON parsing for the spans that cannot carry it.
 * Within a session the root's value wins, then the earliest span's.
 */
export async function titlesOf(store: Store, projectId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await rawSql(store).query<{ session_id: string; attr_title: string; root_name: string }>(
    `SELECT session_id,
       argMinIf(
         substringUTF8(JSONExtractString(attributes, {k:String}), 1, {max:UInt32}),
         (parent_span_id != '', start_time, span_id),
         position(attributes, {needle:String}) > 0 AND JSONExtractString(attributes, {k:String}) != ''
       ) AS attr_title,
       argMinIf(
         substringUTF8(name, 1, {max:UInt32}),
         (parent_span_id != '', start_time, span_id),
         parent_span_id = '' OR kind = 'session'
       ) AS root_name
     FROM spans
     WHERE project_id = {p:String} AND session_id IN {ids:Array(String)}
     GROUP BY session_id`,
    { p: projectId, ids: [...ids], k: ATTR.SESSION_TITLE, needle: JSON.stringify(ATTR.SESSION_TITLE), max: MAX_TITLE },
  );
  const titles = new Map<string, string>();
  for (const r of rows) {
    const title = r.attr_title.trim() || r.root_name.trim();
    if (title !== '') titles.set(r.session_id, title);
  }
  return titles;
}
