/** A 3×4 keypad for PINs: big targets for a finger, and the same input a keyboard can type into. */

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'] as const;

export function PinPad({
  value,
  onChange,
  disabled,
}: {
  value: string;
  onChange: (pin: string) => void;
  disabled: boolean;
}) {
  const press = (key: (typeof KEYS)[number]) => {
    if (key === 'clear') onChange('');
    else if (key === 'back') onChange(value.slice(0, -1));
    else if (value.length < 8) onChange(value + key);
  };
  return (
    <div className="pinpad">
      {KEYS.map((key) => (
        <button
          key={key}
          type="button"
          className={`pinpad__key${key.length > 1 ? ' pinpad__key--action' : ''}`}
          onClick={() => press(key)}
          disabled={disabled}
          aria-label={key === 'back' ? 'Delete last digit' : undefined}
        >
          {key === 'back' ? '⌫' : key === 'clear' ? 'Clear' : key}
        </button>
      ))}
    </div>
  );
}
