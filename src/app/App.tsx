/**
 * The app shell: sign-in until someone is signed in (remembered across restarts), then
 * the screens. The engine runs while someone is signed in and stops at sign-out.
 */
import { useEffect } from 'react';
import { useSyncConnection } from '../sync';
import { InsecureOriginNotice } from './components/InsecureOriginNotice';
import { useOutboxEntries } from './components/PendingChanges';
import { StorageNotice } from './components/StorageNotice';
import { TopBar } from './components/TopBar';
import { UpdatePrompt } from './components/UpdatePrompt';
import { engine, startEngine, stopEngine } from './engine';
import { watchNetworkLoss } from './network';
import { type Route, useRoute } from './router';
import { DiagnosticsScreen } from './screens/Diagnostics';
import { FloorScreen } from './screens/Floor';
import { ManageScreen } from './screens/Manage';
import { MenuScreen } from './screens/Menu';
import { PrintersScreen } from './screens/Printers';
import { SignInScreen } from './screens/SignIn';
import { StaffScreen } from './screens/Staff';
import { type Session, useSession } from './session';
import { useVenueRefresh } from './venue';

function CurrentScreen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'floor':
      return <FloorScreen />;
    case 'staff':
      return <StaffScreen />;
    case 'printers':
      return <PrintersScreen />;
    case 'manage':
      return <ManageScreen route={route} />;
    case 'diagnostics':
      return <DiagnosticsScreen />;
    default:
      return <MenuScreen />;
  }
}

/** Runs the reconnect check on the browser's signals; a component of its own so connection changes re-render only it. */
function ReconnectSignals() {
  useSyncConnection(engine);
  return null;
}

/** The insecure-origin notice, waiting on the running engine's outbox. */
function SignedInOriginNotice() {
  return <InsecureOriginNotice pending={useOutboxEntries().length} />;
}

/** Asks the server for the venue's zone and currency whenever it is online again; its own component for the same reason. */
function VenueRefresh() {
  useVenueRefresh();
  return null;
}

function SignedIn({ session }: { session: Session }) {
  const route = useRoute();
  useEffect(() => {
    // IndexedDB first, then the server: a device that synced before shows its data offline.
    void startEngine();
    const unwatch = watchNetworkLoss();
    return () => {
      unwatch();
      void stopEngine();
    };
  }, []);
  return (
    <div className="app">
      {/* Online, tab-visible and service-worker "network back" signals run the reconnect check. */}
      <ReconnectSignals />
      <VenueRefresh />
      <TopBar current={route.screen} session={session} />
      <UpdatePrompt />
      <StorageNotice />
      <SignedInOriginNotice />
      <main className="app__main">
        <CurrentScreen route={route} />
      </main>
    </div>
  );
}

export function App() {
  const session = useSession();
  return (
    <>
      {session ? <SignedIn session={session} /> : <SignInScreen />}
      {!session && <UpdatePrompt />}
    </>
  );
}
