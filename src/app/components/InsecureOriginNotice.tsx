/**
 * The lasting notice on an insecure origin (contract section 7): offline start and
 * installation are off on this address, how to set the tablet up (`/setup`), and a button
 * that moves to the secure address, enabled only once this device's outbox is empty: the
 * secure origin has its own IndexedDB, and whatever waited here would be stranded.
 */
import { SETUP_PATH } from '../../shared/protocol';
import { insecureOrigin, secureAddress, useHttpsInfo } from '../secureOrigin';

export interface InsecureOriginNoticeProps {
  /** Outbox entries on this device; null while unknown (still counting). */
  pending: number | null;
  /** True where entries cannot be sent from this screen (signed out). */
  signedOut?: boolean;
}

function changes(n: number): string {
  return n === 1 ? '1 change' : `${n} changes`;
}

/** Why the move waits, or null when it may go now. */
function waitReason(
  pending: number | null,
  signedOut: boolean,
  target: string | null,
  known: boolean,
): string | null {
  if (!known) return 'Looking for the secure address…';
  if (target === null) return null;
  if (pending === null) return 'Checking for unsent changes…';
  if (pending === 0) return null;
  return signedOut
    ? `Sign in first: ${changes(pending)} made on this device must be sent before moving.`
    : `Waiting for ${changes(pending)} on this device to be sent…`;
}

function InsecureOriginNoticeShown({ pending, signedOut = false }: InsecureOriginNoticeProps) {
  const info = useHttpsInfo();
  const target = info ? secureAddress(info) : null;
  const waiting = waitReason(pending, signedOut, target, info !== null);
  const move = () => {
    if (target && waitReason(pending, signedOut, target, true) === null) window.location.assign(target);
  };
  return (
    <aside className="insecure-notice" aria-label="Not a secure address">
      <p className="insecure-notice__text">
        <strong>This address is not secure.</strong> Here the app cannot start without the network and cannot
        be installed.
        {info !== null && info.port === null && ' The server has HTTPS turned off.'}
      </p>
      <div className="insecure-notice__actions">
        <a className="button" href={SETUP_PATH}>
          Set up this tablet
        </a>
        {(info === null || target !== null) && (
          <button
            type="button"
            className="button button--primary"
            disabled={waiting !== null}
            aria-describedby={waiting ? 'insecure-notice-wait' : undefined}
            onClick={move}
          >
            Move to the secure address
          </button>
        )}
      </div>
      {waiting && (
        <p id="insecure-notice-wait" className="insecure-notice__wait" role="status">
          {waiting}
        </p>
      )}
    </aside>
  );
}

/** Nothing at all on a secure origin. */
export function InsecureOriginNotice(props: InsecureOriginNoticeProps) {
  return insecureOrigin ? <InsecureOriginNoticeShown {...props} /> : null;
}
