import { Fragment, type CSSProperties, type HTMLAttributes, type ReactNode } from 'react';
import { ErrorBox, Skeleton } from './common';

/** One column of a {@link DataTable}: its header and how a row fills its cell. */
export interface Column<R> {
  /** Header text; none for an unlabelled column (actions, a status dot). */
  head?: ReactNode;
  /** A figure: right-aligned header and cell (`.num`). */
  num?: boolean;
  /** Extra classes of the cell, fixed or by row (`muted`, `mono`, …). */
  className?: string | ((row: R) => string | undefined);
  style?: CSSProperties;
  cell: (row: R, index: number) => ReactNode;
}

/** What a page puts on a `<tr>`: handlers and the `data-*` attributes its tests and links find it by. */
export type RowProps = HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | number | undefined };

interface Props<R> {
  columns: readonly Column<R>[];
  /** The rows; `undefined` while the first load runs (a skeleton shows unless there is an error). */
  rows: readonly R[] | undefined;
  /** A row's React key: its id (the index only for a list that never reorders, like a history). */
  rowKey: (row: R, index: number) => string;
  /** A failed load: an error box with a retry button above whatever rows are still known. */
  error?: Error;
  retry?: () => void;
  /** What the rows are, for the error box ("Could not load {what}."). */
  what?: string;
  /** Skeleton rows while loading. */
  loadingRows?: number;
  /** Shown instead of the table when there are no rows; without it an empty table keeps its header. */
  empty?: ReactNode;
  /** The selected row (keyboard or click): `.selected` and `aria-selected` on its `<tr>`. */
  selected?: number;
  rowProps?: (row: R, index: number) => RowProps;
  /** Rows that belong under a row (a detail, a result), full width. */
  after?: (row: R, index: number) => ReactNode;
  /** Tables that read as a list of facts have no header row. */
  headless?: boolean;
  /** Extra classes of the `<table>` besides `grid`. */
  className?: string;
  testId?: string;
}

const join = (...c: (string | false | undefined)[]) => c.filter(Boolean).join(' ') || undefined;

/**
 * The dashboard's table (`table.grid`) with the states every list has: an error box, a skeleton
 * before the first answer, an empty message, then the rows.
 */
export function DataTable<R>(p: Props<R>) {
  const { columns, rows, error } = p;
  const showTable = rows !== undefined && (rows.length > 0 || p.empty === undefined);
  return (
    <>
      {error ? <ErrorBox error={error} retry={p.retry} what={p.what ?? 'this list'} /> : null}
      {rows === undefined && !error ? <Skeleton rows={p.loadingRows} /> : null}
      {rows !== undefined && !rows.length ? p.empty : null}
      {showTable ? (
        <table className={join('grid', p.className)} data-testid={p.testId}>
          {p.headless ? null : (
            <thead>
              <tr>
                {columns.map((c, i) => (
                  <th key={i} className={c.num ? 'num' : undefined}>
                    {c.head}
                  </th>
                ))}
              </tr>
            </thead>
          )}
          <tbody>
            {rows.map((row, i) => {
              const selected = p.selected === undefined ? undefined : p.selected === i;
              const tr = p.rowProps?.(row, i);
              return (
                <Fragment key={p.rowKey(row, i)}>
                  <tr {...tr} className={join(tr?.className, selected && 'selected')} aria-selected={selected}>
                    {columns.map((c, ci) => (
                      <td
                        key={ci}
                        className={join(c.num && 'num', typeof c.className === 'function' ? c.className(row) : c.className)}
                        style={c.style}
                      >
                        {c.cell(row, i)}
                      </td>
                    ))}
                  </tr>
                  {p.after?.(row, i)}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

/** A full-width row under a row of a {@link DataTable} (see `after`). */
export function DetailRow({ span, children, testId }: { span: number; children: ReactNode; testId?: string }) {
  return (
    <tr>
      <td colSpan={span} data-testid={testId}>
        {children}
      </td>
    </tr>
  );
}
