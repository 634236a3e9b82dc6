/** Every drill by name, in the order `npm run drill -- all` runs them. */
import type { Scenario } from '../runner';
import { duplicateStorm } from './duplicate-storm';
import { flakyWifi } from './flaky-wifi';
import { gapStorm } from './gap-storm';
import { longOffline } from './long-offline';
import { quotaFull } from './quota-full';
import { reordered } from './reordered';
import { serverRestart } from './server-restart';
import { serverWipe } from './server-wipe';
import { soak } from './soak';
import { tabChurn } from './tab-churn';

export const SCENARIOS: Scenario[] = [
  flakyWifi,
  serverRestart,
  serverWipe,
  duplicateStorm,
  gapStorm,
  reordered,
  longOffline,
  tabChurn,
  quotaFull,
  soak,
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
