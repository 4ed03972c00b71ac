import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../src/index.js';

// Migration 0008 spells the title rules twice: in the view that titles sessions as spans arrive,
// and in the backfill that titles the sessions stored before the upgrade. Edited apart, old and
// new sessions would get titles by different rules, and session-titles.test.ts would notice only
// for the cases it lists. So the two statements are compared as text, as the migrator runs them
// (loadMigrations drops the comment lines), with whitespace runs read as one space.
const statements = loadMigrations()
  .find((m) => m.name === '0008_session_titles')!
  .statements.map((s) => s.replace(/\s+/g, ' ').trim());

const VIEW = /^CREATE MATERIALIZED VIEW IF NOT EXISTS session_titles_mv TO session_titles AS (?=SELECT )/;
const BACKFILL = /^INSERT INTO session_titles (?=SELECT )/;
// The backfill's one legitimate difference: it scans all of `spans` in one statement, and
// aggregating in key order keeps that scan's memory bounded however many sessions the store
// holds. The view aggregates one inserted block at a time, where the setting has nothing to do.
const IN_ORDER = / SETTINGS optimize_aggregation_in_order = 1$/;

describe('migration 0008', () => {
  it("backfills with the view's own SELECT", () => {
    const views = statements.filter((s) => VIEW.test(s));
    const backfills = statements.filter((s) => BACKFILL.test(s));
    expect(views).toHaveLength(1);
    expect(backfills).toHaveLength(1);
    expect(backfills[0]).toMatch(IN_ORDER);
    const viewSelect = views[0]!.replace(VIEW, '');
    const backfillSelect = backfills[0]!.replace(BACKFILL, '').replace(IN_ORDER, '');
    expect(backfillSelect).toBe(viewSelect);
  });
});
