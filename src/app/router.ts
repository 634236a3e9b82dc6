/**
 * Hash routing (`#/menu`, `#/manage/product/<id>`): the server and the service worker
 * only ever serve index.html, and a kiosk restarted on any screen comes back to it.
 */
import { useSyncExternalStore } from 'react';
import { isResourceName, type ResourceName } from '../shared/resources';

export const SCREENS = ['menu', 'floor', 'staff', 'printers', 'manage', 'diagnostics'] as const;
export type Screen = (typeof SCREENS)[number];

export interface Route {
  screen: Screen;
  /** Manage only: the type being edited. */
  resource?: ResourceName;
  /** Manage only: the item being edited, or 'new'. */
  itemId?: string;
}

export function parseRoute(hash: string): Route {
  const [screen, resource, itemId] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (!(SCREENS as readonly string[]).includes(screen ?? '')) return { screen: 'menu' };
  const route: Route = { screen: screen as Screen };
  if (route.screen === 'manage' && isResourceName(resource)) {
    route.resource = resource;
    if (itemId) route.itemId = itemId;
  }
  return route;
}

export function routeHref(route: Route): string {
  const parts: string[] = [route.screen];
  if (route.resource) parts.push(route.resource);
  if (route.resource && route.itemId) parts.push(encodeURIComponent(route.itemId));
  return `#/${parts.join('/')}`;
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
