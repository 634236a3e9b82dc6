/**
 * Who is signed in on this device. The sign-in answer is kept in localStorage so the
 * session outlives app restarts and, offline, a device that signed in before opens
 * straight to its data. Permissions are the ones the server granted at sign-in; the
 * server checks every write again (403), so the copy here only decides what to show.
 */
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { LoginResponse, PublicEmployee } from '../shared/protocol';
import { type Permission, type ResourceName, writePermission } from '../shared/resources';
import { login, logout } from './api';

const STORAGE_KEY = 'red-coral.session';

export interface Session {
  token: string;
  employee: PublicEmployee;
  permissions: Permission[];
  expiresAt: string;
}

interface SessionState {
  session: Session | null;
  /** Why the user is looking at the sign-in screen (expired session...), if not by choice. */
  notice: string | null;
}

function isSession(value: unknown): value is Session {
  const s = value as Partial<Session> | null;
  return (
    typeof s?.token === 'string' &&
    typeof s.employee?.id === 'string' &&
    Array.isArray(s.permissions) &&
    typeof s.expiresAt === 'string'
  );
}

function readStoredSession(): Session | null {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    return isSession(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export const sessionStore = createStore<SessionState>(() => ({ session: readStoredSession(), notice: null }));

/** Signs in with a PIN; throws a SyncError (wrong PIN, too many attempts, network). */
export async function signIn(pin: string): Promise<void> {
  const answer: LoginResponse = await login(pin);
  const session: Session = {
    token: answer.token,
    employee: answer.employee,
    permissions: answer.permissions,
    expiresAt: answer.expiresAt,
  };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  sessionStore.setState({ session, notice: null });
}

/** Ends the session on this device; the synced data stays (it is the venue's, not the user's). */
export function signOut(notice: string | null = null): void {
  const current = sessionStore.getState().session;
  localStorage.removeItem(STORAGE_KEY);
  sessionStore.setState({ session: null, notice });
  if (current && notice === null) void logout(current.token);
}

/** The server said 401 for this token: back to sign-in, unless a newer session already replaced it. */
export function sessionRejected(token: string | null): void {
  const current = sessionStore.getState().session;
  if (current && current.token === token) signOut('Your session has ended. Please sign in again.');
}

export function useSession(): Session | null {
  return useStore(sessionStore, (s) => s.session);
}

export function useSessionNotice(): string | null {
  return useStore(sessionStore, (s) => s.notice);
}

/** True when the signed-in employee may create, update and delete items of this type. */
export function mayWrite(session: Session | null, resource: ResourceName): boolean {
  return session?.permissions.includes(writePermission(resource)) ?? false;
}
