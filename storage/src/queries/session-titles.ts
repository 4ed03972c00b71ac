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
/** The titles statement (parameters `p`, `ids`), also a part of the replay's head statement. */
export const TITLES_SQL = `SELECT session_id, argMinMerge(attr_title) AS attr_title, argMinMerge(root_name) AS root_name
     FROM session_titles
     WHERE project_id = {p:String} AND session_id IN {ids:Array(String)}
     GROUP BY session_id`;

export interface TitleRow {
  session_id: string;
  attr_title: string;
  root_name: string;
}

/** A session's title from its row: the attribute unless blank, then the root's name; null when neither. */
export function titleOf(r: TitleRow | undefined): string | null {
  const title = r ? r.attr_title.trim() || r.root_name.trim() : '';
  return title === '' ? null : title;
}

export async function titlesOf(store: Store, projectId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  return titleMap(await rawSql(store).query<TitleRow>(TITLES_SQL, { p: projectId, ids: [...ids] }));
}

/** Rows of `TITLES_SQL` by session id; sessions without any title are absent. */
export function titleMap(rows: readonly TitleRow[]): Map<string, string> {
  const titles = new Map<string, string>();
  for (const r of rows) {
    const title = titleOf(r);
    if (title !== null) titles.set(r.session_id, title);
  }
  return titles;
}
