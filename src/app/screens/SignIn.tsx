/** Sign-in with a PIN. Needs the server once; afterwards the session is remembered on the device. */
import { type FormEvent, useState } from 'react';
import { errorInfo } from '../../sync';
import { InsecureOriginNotice } from '../components/InsecureOriginNotice';
import { PinPad } from '../components/PinPad';
import { useStoredOutboxCount } from '../secureOrigin';
import { signIn, useSessionNotice } from '../session';

function messageFor(error: unknown): string {
  const info = errorInfo(error);
  switch (info.code) {
    case 'wrong_pin':
      return 'That PIN is not right. Try again.';
    case 'too_many_attempts':
      return 'Too many wrong PINs. Wait a minute, then try again.';
    case 'network_error':
      return 'The server cannot be reached. Signing in needs the network; check the Wi-Fi.';
    default:
      return info.message;
  }
}

export function SignInScreen() {
  const notice = useSessionNotice();
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // No engine runs here: what waits in the outbox is read from IndexedDB.
  const pending = useStoredOutboxCount();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (pin.length < 4 || busy) return;
    setBusy(true);
    setError(null);
    try {
      await signIn(pin);
    } catch (e) {
      setError(messageFor(e));
      setPin('');
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <InsecureOriginNotice pending={pending} signedOut />
      <form className="signin__card" onSubmit={submit}>
        <img src="/icons/icon-192.png" alt="" width="72" height="72" className="signin__logo" />
        <h1>Red Coral</h1>
        <p className="muted">Enter your PIN to start.</p>
        {notice && <p className="notice notice--info">{notice}</p>}
        <label htmlFor="pin" className="signin__label">
          PIN
        </label>
        <input
          id="pin"
          className="signin__pin"
          type="password"
          inputMode="numeric"
          autoComplete="off"
          pattern="[0-9]*"
          maxLength={8}
          value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 8))}
          disabled={busy}
          // biome-ignore lint/a11y/noAutofocus: the PIN is the only thing to do on this screen.
          autoFocus
        />
        <PinPad value={pin} onChange={setPin} disabled={busy} />
        {error && (
          <p className="notice notice--error" role="alert">
            {error}
          </p>
        )}
        <button
          type="submit"
          className="button button--primary button--block"
          disabled={busy || pin.length < 4}
        >
          Sign in
        </button>
      </form>
    </main>
  );
}
