/** Who works here and what each role may change. */
import { PERMISSIONS, RESOURCES } from '../../shared/resources';
import { EmptyState } from '../components/EmptyState';
import { useById, useIsLoading, useRecentlyChanged, useSortedItems } from '../hooks';

/** "product.write" → "Products". */
function permissionLabel(permission: string): string {
  const resource = permission.replace(/\.write$/, '') as keyof typeof RESOURCES;
  return RESOURCES[resource]?.plural ?? permission;
}

function peopleCount(n: number): string {
  return n === 1 ? '1 person' : `${n} people`;
}

export function StaffScreen() {
  const employees = useSortedItems('employee');
  const roles = useSortedItems('role');
  const rolesById = useById('role');
  const changedEmployees = useRecentlyChanged('employee');
  const changedRoles = useRecentlyChanged('role');
  const loading = useIsLoading('employee');

  return (
    <section className="screen staff" aria-labelledby="staff-title">
      <div className="screen__header">
        <h1 id="staff-title">Staff</h1>
        <p className="muted">
          {employees.filter((e) => e.active).length} active of {employees.length}
        </p>
      </div>
      <div className="columns">
        <section aria-labelledby="employees-title">
          <h2 id="employees-title">Employees</h2>
          {employees.length === 0 && <EmptyState loading={loading}>No employees yet.</EmptyState>}
          <ul className="rows">
            {employees.map((e) => (
              <li
                key={e.id}
                className={`row${e.id in changedEmployees ? ' flash' : ''}${e.active ? '' : ' row--dim'}`}
              >
                <span className="row__title">{e.name}</span>
                <span className="row__meta">{rolesById[e.roleId]?.name ?? 'Unknown role'}</span>
                {!e.active && <span className="badge">Inactive</span>}
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="roles-title">
          <h2 id="roles-title">Roles</h2>
          <ul className="rows">
            {roles.map((r) => (
              <li key={r.id} className={`row row--stack${r.id in changedRoles ? ' flash' : ''}`}>
                <span className="row__title">
                  {r.name}{' '}
                  <span className="row__meta">
                    · {peopleCount(employees.filter((e) => e.roleId === r.id).length)}
                  </span>
                </span>
                <span className="row__detail">
                  {r.permissions.length === 0
                    ? 'Can view everything, change nothing'
                    : r.permissions.length === PERMISSIONS.length
                      ? 'Can change everything'
                      : `Can change ${r.permissions.map(permissionLabel).join(', ')}`}
                </span>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </section>
  );
}
