/** Brand, screen tabs, the sync status and who is signed in; on every screen. */
import { RESOURCE_NAMES } from '../../shared/resources';
import { routeHref, type Screen } from '../router';
import { mayWrite, type Session, signOut } from '../session';
import { SyncStatus } from './SyncStatus';

const TABS: { screen: Screen; label: string }[] = [
  { screen: 'menu', label: 'Menu' },
  { screen: 'floor', label: 'Floor' },
  { screen: 'staff', label: 'Staff' },
  { screen: 'printers', label: 'Printers' },
  { screen: 'manage', label: 'Manage' },
  { screen: 'diagnostics', label: 'Diagnostics' },
];

export function TopBar({ current, session }: { current: Screen; session: Session }) {
  // Manage is hidden, not just disabled, for a role that may write nothing.
  const canManage = RESOURCE_NAMES.some((r) => mayWrite(session, r));
  const tabs = TABS.filter((t) => t.screen !== 'manage' || canManage);
  return (
    <header className="topbar">
      <div className="topbar__row">
        <a className="brand" href="#/menu">
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <span>Red Coral</span>
        </a>
        <SyncStatus />
        <div className="topbar__user">
          <span className="topbar__name">{session.employee.name}</span>
          <button type="button" className="button button--quiet" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </div>
      <nav className="tabs" aria-label="Screens">
        {tabs.map((tab) => (
          <a
            key={tab.screen}
            className="tabs__tab"
            href={routeHref({ screen: tab.screen })}
            aria-current={tab.screen === current ? 'page' : undefined}
          >
            {tab.label}
          </a>
        ))}
      </nav>
    </header>
  );
}
