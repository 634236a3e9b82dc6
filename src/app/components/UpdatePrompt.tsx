/** The "Update available — reload" banner; nothing reloads until it is tapped. */
import { acceptUpdate, useUpdateWaiting } from '../update';

export function UpdatePrompt() {
  const waiting = useUpdateWaiting();
  if (!waiting) return null;
  return (
    <div className="update-prompt" role="alert">
      <span>A new version of Red Coral is ready.</span>
      <button type="button" className="button button--primary" onClick={() => void acceptUpdate()}>
        Update available — reload
      </button>
    </div>
  );
}
