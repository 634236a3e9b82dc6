/** The number editor of the generic form: integers, and money typed as a decimal but stored in cents. */
import { useState } from 'react';
import { type EditorProps, fieldId } from './fields';

/** A number typed as text: kept as typed until it parses, so "12." or "-" can be on the way to a value. */
export function NumberInput({
  field,
  path,
  value,
  onChange,
  describedBy,
}: EditorProps & { describedBy: string | undefined }) {
  const money = field.kind === 'number' && field.money;
  const show = (v: unknown) =>
    typeof v === 'number' ? (money ? (v / 100).toFixed(2) : String(v)) : typeof v === 'string' ? v : '';
  const parse = (t: string): number | null => {
    const normal = t.trim().replace(',', '.');
    if (!/^-?\d+(\.\d*)?$/.test(normal)) return null;
    return money ? Math.round(Number(normal) * 100) : Number(normal);
  };
  const [text, setText] = useState(() => show(value));
  const [seen, setSeen] = useState(value);
  // A value set from outside (load latest) replaces what is typed; our own echo does not.
  if (value !== seen) {
    setSeen(value);
    if (parse(text) !== value && text !== value) setText(show(value));
  }
  return (
    <input
      id={fieldId(path)}
      className="input input--number"
      inputMode={money ? 'decimal' : 'numeric'}
      value={text}
      aria-describedby={describedBy}
      aria-invalid={describedBy ? true : undefined}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parse(e.target.value) ?? e.target.value);
      }}
    />
  );
}
