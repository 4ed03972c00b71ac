import type { CSSProperties, ReactNode } from 'react';

/**
 * A label over its control. `className` is the row's look: `field` in forms and drawers, `f` in
 * the sessions filter bar, `cm-field` on the cost model; `id` ties the label to the control.
 */
export function Field({
  id,
  label,
  className = 'field',
  children,
}: {
  id: string;
  label: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

/** An option of a {@link Select}: the value itself as its text, or a value with its own text. */
export type Choice<T extends string> = T | { value: T; label: ReactNode; title?: string };

/**
 * A `<select>` of string values. `any` adds a first option with the value "" (no filter) and that
 * text; `onChange` gets the chosen value, which is always one of the options.
 */
export function Select<T extends string>({
  value,
  onChange,
  options,
  any,
  id,
  label,
  testId,
  style,
}: {
  value: T;
  onChange: (v: T) => void;
  options: readonly Choice<T>[];
  any?: string;
  id?: string;
  /** `aria-label`, for a select without a `<label>`. */
  label?: string;
  testId?: string;
  style?: CSSProperties;
}) {
  return (
    <select
      id={id}
      aria-label={label}
      data-testid={testId}
      style={style}
      value={value}
      onChange={(e) => onChange(e.target.value as T)}
    >
      {any !== undefined ? <option value="">{any}</option> : null}
      {options.map((o) =>
        typeof o === 'string' ? (
          <option key={o} value={o}>
            {o}
          </option>
        ) : (
          <option key={o.value} value={o.value} title={o.title}>
            {o.label}
          </option>
        ),
      )}
    </select>
  );
}
