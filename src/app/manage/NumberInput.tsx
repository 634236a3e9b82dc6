/** The number editor of the generic form: integers, and money typed as a decimal but stored in minor units. */
import { useState } from 'react';
import { minorDigits } from '../format';
import { useVenue } from '../venue';
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
  const { currency } = useVenue();
  // The venue's currency decides the scale: 12.50 EUR is 1250 cents, 1250 JPY is 1250 yen.
  const digits = minorDigits(currency);
  const show = (v: unknown) =>
    typeof v === 'number'
      ? money
        ? (v / 10 ** digits).toFixed(digits)
        : String(v)
      : typeof v === 'string'
        ? v
        : '';
  const parse = (t: string): number | null => {
    const normal = t.trim().replace(',', '.');
    if (!/^-?\d+(\.\d*)?$/.test(normal)) return null;
    return money ? Math.round(Number(normal) * 10 ** digits) : Number(normal);
  };
  const [text, setText] = useState(() => show(value));
  const [seen, setSeen] = useState(value);
  // A value set from outside (load latest) replaces what is typed; our own echo does not.
  if (value !== seen) {
    setSeen(value);
    if (parse(text) !== value && text !== value) setText(show(value));
  }
  const input = (
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
  if (!money || !currency) return input;
  return (
    <span className="money-field">
      {input}
      <span className="money-field__currency">{currency}</span>
    </span>
  );
}
