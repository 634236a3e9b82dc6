/** Editors that pick from a set: references to other items, enum sets, small number sets. */
import { useMemo, useState } from 'react';
import type { ResourceName } from '../../shared/resources';
import { humanize, WEEKDAY_NAMES } from '../format';
import { useItemsByName } from '../hooks';

/** Above this many choices a filter box appears, so 200 products stay usable on a tablet. */
const FILTER_FROM = 12;
/** Unfiltered, a long list shows the chosen ones and this many more until "Show all". */
const SHOW_FIRST = 24;

interface ChoiceProps<T> {
  id: string;
  value: T;
  onChange: (value: T) => void;
  describedBy: string | undefined;
}

/** One item of another type, e.g. a product's category. */
export function ReferenceSelect({
  target,
  nullable,
  id,
  value,
  onChange,
  describedBy,
}: ChoiceProps<string | null> & { target: ResourceName; nullable: boolean }) {
  const items = useItemsByName(target);
  return (
    <select
      id={id}
      className="input"
      value={value ?? ''}
      aria-describedby={describedBy}
      aria-invalid={describedBy ? true : undefined}
      onChange={(e) => onChange(e.target.value === '' && nullable ? null : e.target.value)}
    >
      <option value="">{nullable ? '— None —' : '— Choose —'}</option>
      {items.map((item) => (
        <option key={item.id} value={item.id}>
          {item.name}
        </option>
      ))}
    </select>
  );
}

/** Toggle chips over a list of choices; the shared body of the set editors below. */
function ChipSet<T extends string | number>({
  id,
  choices,
  value,
  onChange,
  describedBy,
}: ChoiceProps<T[]> & { choices: { value: T; label: string }[] }) {
  const [filter, setFilter] = useState('');
  const [showAll, setShowAll] = useState(false);
  const selected = new Set(value);
  const words = filter.trim().toLowerCase();
  const matching = words ? choices.filter((c) => c.label.toLowerCase().includes(words)) : choices;
  const long = !words && !showAll && choices.length > FILTER_FROM + SHOW_FIRST;
  // Chosen ones first, so what is selected is visible without scrolling through the rest.
  const shown = long
    ? [
        ...matching.filter((c) => selected.has(c.value)),
        ...matching.filter((c) => !selected.has(c.value)).slice(0, SHOW_FIRST),
      ]
    : matching;
  const toggle = (choice: T) =>
    onChange(selected.has(choice) ? value.filter((v) => v !== choice) : [...value, choice]);
  return (
    <fieldset id={id} className="chipset" aria-labelledby={`${id}-label`} aria-describedby={describedBy}>
      {choices.length > FILTER_FROM && (
        <input
          type="search"
          className="input chipset__filter"
          placeholder={`Filter ${choices.length} choices…`}
          aria-label="Filter choices"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      )}
      <div className="chips chips--wrap">
        {shown.map((choice) => (
          <button
            key={String(choice.value)}
            type="button"
            className="chip"
            aria-pressed={selected.has(choice.value)}
            onClick={() => toggle(choice.value)}
          >
            {choice.label}
          </button>
        ))}
        {long && (
          <button type="button" className="button button--quiet" onClick={() => setShowAll(true)}>
            Show all {choices.length}
          </button>
        )}
        {choices.length === 0 && <span className="muted">Nothing to choose from yet.</span>}
      </div>
    </fieldset>
  );
}

/** Several items of another type, e.g. a product's tags or a price rule's categories. */
export function ReferenceSet({ target, ...props }: ChoiceProps<string[]> & { target: ResourceName }) {
  const items = useItemsByName(target);
  const choices = useMemo(() => items.map((item) => ({ value: item.id, label: item.name })), [items]);
  return <ChipSet {...props} choices={choices} />;
}

/** Several values of an enum, e.g. a role's permissions. */
export function EnumSet({ options, ...props }: ChoiceProps<string[]> & { options: string[] }) {
  const choices = options.map((o) => ({ value: o, label: permissionOrEnumLabel(o) }));
  return <ChipSet {...props} choices={choices} />;
}

/** Several numbers of a small range; ISO weekdays get their names. */
export function NumberSet({
  min,
  max,
  weekdays,
  ...props
}: ChoiceProps<number[]> & { min: number; max: number; weekdays: boolean }) {
  const choices = [];
  for (let n = min; n <= max; n++)
    choices.push({ value: n, label: weekdays ? (WEEKDAY_NAMES[n - 1] ?? String(n)) : String(n) });
  return <ChipSet {...props} choices={choices} />;
}

/** "dining_table.write" → "Write: Dining table"; other enum values are humanized. */
function permissionOrEnumLabel(value: string): string {
  const m = /^(.+)\.write$/.exec(value);
  return m?.[1] ? `Write ${humanize(m[1]).toLowerCase()}` : humanize(value);
}
