import type { ReactNode } from 'react';

/**
 * A row of toggle buttons, one of them on: a button group, a tab list (`kind="tabs"`, each button
 * a tab with aria-selected) or a radio group (`kind="radio"`, aria-checked). Each button carries
 * `data-value`.
 */
export function Segmented<T extends string>({
  label,
  options,
  value,
  onChange,
  render = (o) => o,
  disabled,
  kind = 'group',
}: {
  label: string;
  options: readonly T[];
  value: T;
  onChange: (v: T) => void;
  render?: (o: T) => ReactNode;
  disabled?: (o: T) => boolean;
  kind?: 'group' | 'tabs' | 'radio';
}) {
  const role = { group: 'group', tabs: 'tablist', radio: 'radiogroup' }[kind];
  return (
    <div className="seg" role={role} aria-label={label}>
      {options.map((o) => (
        <button
          key={o}
          type="button"
          className={value === o ? 'on' : undefined}
          onClick={() => onChange(o)}
          disabled={disabled?.(o)}
          data-value={o}
          {...(kind === 'tabs' ? { role: 'tab', 'aria-selected': value === o } : {})}
          {...(kind === 'radio' ? { role: 'radio', 'aria-checked': value === o } : {})}
        >
          {render(o)}
        </button>
      ))}
    </div>
  );
}
