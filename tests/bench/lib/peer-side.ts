/**
 * What peer_pouchdb asks of each side (ours: lib/peer-ours.ts, PouchDB: lib/peer-pouch.ts):
 * a server behind a byte-counting relay, and fresh devices that sync the whole catalogue.
 */
import type { BurstOutcome } from './burst';
import type { ByteRelay, WireBytes } from './byte-relay';

export interface FirstSync {
  /** Navigation start → every item stored in IndexedDB (page clock). */
  ms: number;
  /** Over the wire from before navigation until the driver saw the sync done. */
  wire: WireBytes;
  items: number;
}

export interface RestartOutcome {
  /** Server → device from the restart until the device is back in sync and idle. */
  down: number;
  up: number;
  /** Response bodies of requests that carry items (ours: collections, changes; PouchDB: _bulk_get, _all_docs, docs). */
  itemBytes: number;
  /** How long the server was unreachable, ms. */
  downMs: number;
  /** What the device did, for the doc. */
  detail: string;
}

/** A device that has synced the catalogue once and keeps syncing live. */
export interface PeerDevice {
  first: FirstSync;
  /** Each write from the page → the item stored and observable on the device, ms. */
  changeLatency(writes: number): Promise<number[]>;
  /**
   * `events` changes written on the server at up to `perSecond` while the device applies
   * them; the outcome's `writesPerSecond` is the rate the server actually took.
   */
  burst(events: number, perSecond: number): Promise<BurstOutcome>;
  /**
   * The server restarts with the same data; what the device downloads to be in sync again.
   * Ours is a real process restart (`downMs` is ignored; the outcome says how long it took);
   * PouchDB's server stays unreachable for `downMs`, so both are down equally long.
   */
  restart(downMs: number): Promise<RestartOutcome>;
  close(): Promise<void>;
}

export interface PeerSide {
  relay: ByteRelay;
  /** Launches a fresh profile and waits (bounded) until it stored every item. */
  openSynced(timeoutMs: number): Promise<PeerDevice>;
  close(): Promise<void>;
}

/** Items whose ids the change-latency writes rotate through. */
export const LATENCY_IDS = 100;
