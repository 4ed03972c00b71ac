// @vitest-environment jsdom
/*
 * The shared list and editor components, rendered by React into jsdom: the states a DataTable
 * shows, the Drawer's Esc / Tab / focus return, the row keys' j/k/Enter and what they leave
 * alone. The pages' use of them runs in Chromium in the e2e-* tests.
 */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement as h, Fragment, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { DataTable, type Column } from '../src/components/data-table';
import { Drawer } from '../src/components/drawer';
import { Field, Select } from '../src/components/field';
import { useRowKeys } from '../src/components/row-keys';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
afterEach(cleanup);

interface Fruit {
  id: string;
  name: string;
  kg: number;
}
const FRUIT: Fruit[] = [
  { id: 'a', name: 'apple', kg: 3 },
  { id: 'b', name: 'pear', kg: 5 },
];
const COLUMNS: Column<Fruit>[] = [
  { head: 'name', className: (f) => (f.kg > 4 ? 'heavy' : undefined), cell: (f) => f.name },
  { head: 'kg', num: true, cell: (f) => f.kg },
  { cell: () => 'edit' },
];
const table = (props: Partial<Parameters<typeof DataTable<Fruit>>[0]>) =>
  render(h(DataTable<Fruit>, { columns: COLUMNS, rows: FRUIT, rowKey: (f) => f.id, testId: 't', ...props }));

describe('DataTable', () => {
  it('renders the header, the cells with their classes and the row props', () => {
    const { container } = table({ rowProps: (f) => ({ 'data-fruit': f.id }) });
    expect([...container.querySelectorAll('th')].map((th) => [th.textContent, th.className])).toEqual([
      ['name', ''],
      ['kg', 'num'],
      ['', ''],
    ]);
    const rows = container.querySelectorAll('tbody tr');
    expect([...rows].map((tr) => tr.getAttribute('data-fruit'))).toEqual(['a', 'b']);
    expect([...rows[1]!.querySelectorAll('td')].map((td) => td.className)).toEqual(['heavy', 'num', '']);
    expect(container.querySelector('table')?.className).toBe('grid');
  });

  it('shows a skeleton while loading, an error box with retry, then the empty message', () => {
    let retried = 0;
    const loading = table({ rows: undefined });
    expect(loading.container.querySelector('[aria-busy=true]')).not.toBeNull();
    expect(loading.container.querySelector('table')).toBeNull();
    cleanup();

    const failed = table({ rows: undefined, error: new Error('boom'), what: 'fruit', retry: () => retried++ });
    expect(screen.getByRole('alert').textContent).toContain('Could not load fruit.');
    expect(failed.container.querySelector('[aria-busy=true]')).toBeNull();
    fireEvent.click(screen.getByText('Retry'));
    expect(retried).toBe(1);
    cleanup();

    const empty = table({ rows: [], empty: h('p', null, 'no fruit') });
    expect(screen.getByText('no fruit')).toBeTruthy();
    expect(empty.container.querySelector('table')).toBeNull();
    cleanup();

    // Without an empty message an empty list keeps its header.
    const bare = table({ rows: [] });
    expect(bare.container.querySelectorAll('th')).toHaveLength(3);
    expect(bare.container.querySelectorAll('tbody tr')).toHaveLength(0);
  });

  it('marks the selected row, adds rows under a row, and can go without a header', () => {
    const { container } = table({
      selected: 1,
      headless: true,
      after: (f) => h('tr', { className: 'detail' }, h('td', null, f.name)),
    });
    expect(container.querySelector('thead')).toBeNull();
    const rows = [...container.querySelectorAll('tbody tr')];
    expect(rows.map((tr) => tr.className)).toEqual(['', 'detail', 'selected', 'detail']);
    expect(rows[0]!.getAttribute('aria-selected')).toBe('false');
    expect(rows[2]!.getAttribute('aria-selected')).toBe('true');
  });
});

function List({ onOpen }: { onOpen: (f: Fruit) => void }) {
  const [sel, setSel] = useState(-1);
  useRowKeys(FRUIT, sel, setSel, { Enter: onOpen }, { arrows: true });
  return h('div', null, h('span', { 'data-testid': 'sel' }, String(sel)), h('input', { 'aria-label': 'typing here' }));
}

describe('useRowKeys', () => {
  it('moves with j/k and the arrows, clamped, and acts on the selected row', () => {
    const opened: string[] = [];
    render(h(List, { onOpen: (f) => opened.push(f.name) }));
    const sel = () => screen.getByTestId('sel').textContent;
    const key = (k: string, init: KeyboardEventInit = {}) => act(() => void fireEvent.keyDown(window, { key: k, ...init }));
    key('Enter');
    expect(opened).toEqual([]); // nothing selected yet
    key('j');
    expect(sel()).toBe('0');
    key('ArrowDown');
    key('j');
    expect(sel()).toBe('1');
    key('Enter');
    expect(opened).toEqual(['pear']);
    key('k');
    expect(sel()).toBe('0');
    key('ArrowUp');
    expect(sel()).toBe('0');
    // Typing in a field, and shortcuts with a modifier, are not list keys.
    key('j', { ctrlKey: true });
    act(() => void fireEvent.keyDown(screen.getByLabelText('typing here'), { key: 'j' }));
    expect(sel()).toBe('0');
  });
});

function Editor() {
  const [open, setOpen] = useState(false);
  const [period, setPeriod] = useState<'day' | 'week'>('day');
  return h(
    'div',
    null,
    h('button', { type: 'button', onClick: () => setOpen(true) }, 'Open'),
    h('span', { 'data-testid': 'period' }, period),
    open
      ? h(Drawer, {
          title: 'New thing',
          label: 'new thing',
          onClose: () => setOpen(false),
          onSubmit: (e) => e.preventDefault(),
          children: h(
            Fragment,
            null,
            h(Field, { id: 'x-name', label: 'Name', children: h('input', { id: 'x-name' }) }),
            h(Field, {
              id: 'x-period',
              label: 'Period',
              children: h(Select<'day' | 'week'>, {
                id: 'x-period',
                value: period,
                onChange: setPeriod,
                options: ['day', 'week'],
              }),
            }),
            h('button', { type: 'submit' }, 'Save'),
          ),
        })
      : null,
  );
}

describe('Drawer, Field and Select', () => {
  it('takes focus, keeps Tab inside, closes on Esc and gives focus back to its opener', () => {
    render(h(Editor));
    const opener = screen.getByText('Open');
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'new thing' });
    expect(dialog.tagName).toBe('FORM');
    expect(dialog.querySelector('h2')?.textContent).toBe('New thing');
    const name = screen.getByLabelText('Name');
    expect(document.activeElement).toBe(name);

    // Shift+Tab on the first control goes to the last, Tab on the last back to the first.
    const press = (key: string, init: KeyboardEventInit = {}) =>
      act(() => void fireEvent.keyDown(document.activeElement!, { key, ...init }));
    press('Tab', { shiftKey: true });
    expect(document.activeElement).toBe(screen.getByText('Save'));
    press('Tab');
    expect(document.activeElement).toBe(name);

    fireEvent.change(screen.getByLabelText('Period'), { target: { value: 'week' } });
    expect(screen.getByTestId('period').textContent).toBe('week');

    press('Escape');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('closes on a click on the backdrop', () => {
    const { container } = render(h(Editor));
    fireEvent.click(screen.getByText('Open'));
    fireEvent.click(container.querySelector('.drawer-back')!);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('Select offers the "any" option first with the value ""', () => {
    render(
      h(Select<string>, {
        label: 'queue',
        value: '',
        onChange: () => {},
        any: 'all queues',
        options: [{ value: 'q1', label: 'Refunds', title: 't' }],
      }),
    );
    const options = [...screen.getByLabelText('queue').querySelectorAll('option')];
    expect(options.map((o) => [o.value, o.textContent, o.title])).toEqual([
      ['', 'all queues', ''],
      ['q1', 'Refunds', 't'],
    ]);
  });
});
