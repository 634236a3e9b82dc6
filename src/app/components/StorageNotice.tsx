/**
 * Shown on every screen while this device's storage is full: staff must know that what they
 * see may be behind the server and that changes made here cannot be saved until then.
 */
import { useStorageFull } from '../hooks';

export function StorageNotice() {
  if (!useStorageFull()) return null;
  return (
    <p className="storage-notice" role="alert">
      This device’s storage is full. It shows the data it saved before; newer changes from the server are
      saved as soon as there is space again, and changes made here cannot be saved until then.
    </p>
  );
}
