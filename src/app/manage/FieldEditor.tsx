/**
 * One field of the generic form, chosen by the field's kind (see fields.ts). Nested
 * fields (a price rule's scope, an attribute's options) recurse through this component.
 */
import { humanize } from '../format';
import { EnumSet, NumberSet, ReferenceSelect, ReferenceSet } from './ChoiceEditors';
import { defaultsOf, type EditorProps, fieldId } from './fields';
import { NumberInput } from './NumberInput';

function Control(props: EditorProps & { describedBy: string | undefined }) {
  const { field, path, value, onChange, describedBy } = props;
  const common = {
    id: fieldId(path),
    'aria-describedby': describedBy,
    'aria-invalid': describedBy ? true : undefined,
  };
  switch (field.kind) {
    case 'text':
      return field.multiline ? (
        <textarea
          {...common}
          className="input"
          rows={3}
          value={String(value ?? '')}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : (
        <input
          {...common}
          className="input"
          maxLength={field.maxLength}
          value={String(value ?? '')}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'color':
      return (
        <span className="color-field">
          <input
            {...common}
            type="color"
            className="input input--color"
            value={String(value ?? '#000000')}
            onChange={(e) => onChange(e.target.value)}
          />
          <code>{String(value ?? '')}</code>
        </span>
      );
    case 'time':
    case 'date':
      return (
        <input
          {...common}
          type={field.kind}
          className={`input input--${field.kind}`}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.target.value === '' && field.nullable ? null : e.target.value)}
        />
      );
    case 'number':
      return <NumberInput {...props} />;
    case 'boolean':
      return (
        <input
          {...common}
          type="checkbox"
          className="toggle"
          checked={value === true}
          onChange={(e) => onChange(e.target.checked)}
        />
      );
    case 'enum':
      return (
        <select
          {...common}
          className="input"
          value={String(value ?? '')}
          onChange={(e) => onChange(e.target.value)}
        >
          {field.options.map((o) => (
            <option key={o} value={o}>
              {humanize(o)}
            </option>
          ))}
        </select>
      );
    case 'reference':
      return (
        <ReferenceSelect
          {...common}
          id={common.id}
          describedBy={describedBy}
          target={field.target}
          nullable={field.nullable}
          value={typeof value === 'string' ? value : null}
          onChange={onChange}
        />
      );
    case 'references':
      return (
        <ReferenceSet
          id={common.id}
          describedBy={describedBy}
          target={field.target}
          value={asArray<string>(value)}
          onChange={onChange}
        />
      );
    case 'enumSet':
      return (
        <EnumSet
          id={common.id}
          describedBy={describedBy}
          options={field.options}
          value={asArray<string>(value)}
          onChange={onChange}
        />
      );
    case 'numberSet':
      return (
        <NumberSet
          id={common.id}
          describedBy={describedBy}
          min={field.min}
          max={field.max}
          weekdays={field.key === 'weekdays'}
          value={asArray<number>(value)}
          onChange={onChange}
        />
      );
    default:
      return null;
  }
}

function asArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function Hint({ text }: { text: string | undefined }) {
  return text ? <p className="field__hint">{text}</p> : null;
}

function Errors({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <p id={id} className="field__error">
      {messages.join(' · ')}
    </p>
  );
}

/** A nested object (price rule scope): its fields in a fieldset. */
function Group({ field, path, value, onChange, errors }: EditorProps) {
  if (field.kind !== 'group') return null;
  const record = (value ?? {}) as Record<string, unknown>;
  return (
    <fieldset className="field field--group">
      <legend>{field.label}</legend>
      <Hint text={field.hint} />
      <Errors id={`${fieldId(path)}-error`} messages={errors[path]} />
      {field.fields.map((sub) => (
        <FieldEditor
          key={sub.key}
          field={sub}
          path={`${path}.${sub.key}`}
          value={record[sub.key]}
          errors={errors}
          onChange={(v) => onChange({ ...record, [sub.key]: v })}
        />
      ))}
    </fieldset>
  );
}

/** A list of small objects (attribute options): one row each, add and remove. */
function ObjectList({ field, path, value, onChange, errors }: EditorProps) {
  if (field.kind !== 'objectList') return null;
  const rows = asArray<Record<string, unknown>>(value);
  const replace = (index: number, row: Record<string, unknown>) =>
    onChange(rows.map((r, i) => (i === index ? row : r)));
  return (
    <fieldset className="field field--list">
      <legend>{field.label}</legend>
      <Errors id={`${fieldId(path)}-error`} messages={errors[path]} />
      {rows.map((row, index) => (
        <div key={String(row.id ?? index)} className="list-row">
          {field.fields.map((sub) => (
            <FieldEditor
              key={sub.key}
              field={sub}
              path={`${path}.${index}.${sub.key}`}
              value={row[sub.key]}
              errors={errors}
              onChange={(v) => replace(index, { ...row, [sub.key]: v })}
            />
          ))}
          <button
            type="button"
            className="button button--quiet"
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="button" onClick={() => onChange([...rows, defaultsOf(field.fields)])}>
        Add {field.label.toLowerCase().replace(/s$/, '')}
      </button>
    </fieldset>
  );
}

export function FieldEditor(props: EditorProps) {
  const { field, path, errors } = props;
  if (field.kind === 'hiddenId') return null;
  if (field.kind === 'group') return <Group {...props} />;
  if (field.kind === 'objectList') return <ObjectList {...props} />;
  const messages = errors[path];
  const errorId = messages?.length ? `${fieldId(path)}-error` : undefined;
  const isSet = field.kind === 'references' || field.kind === 'enumSet' || field.kind === 'numberSet';
  return (
    <div className={`field field--${field.kind}${messages?.length ? ' field--invalid' : ''}`}>
      {isSet ? (
        <span className="field__label" id={`${fieldId(path)}-label`}>
          {field.label}
        </span>
      ) : (
        <label className="field__label" htmlFor={fieldId(path)}>
          {field.label}
        </label>
      )}
      <Hint text={field.hint} />
      <Control {...props} describedBy={errorId} />
      <Errors id={`${fieldId(path)}-error`} messages={messages} />
    </div>
  );
}
