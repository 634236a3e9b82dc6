/**
 * Drill faults (docs/DRILLS.md): what QA arms through `POST /api/drills/faults`, which
 * streams and requests each one matches, how long it lasts, and what it does to them.
 * The hub hands sync events and heartbeats over through `StreamFaults` only while a fault
 * of that sort is armed; this table decides per stream and writes back through the hub.
 *
 * Counting: a fault's `count` is a number of distinct sync events (by seq), heartbeats
 * (by tick) or catch-up answers, shared by every stream it matches. "Drop the next 5
 * product events" drops the same 5 events on every matching stream. All streams get an
 * event in the same flush, so a budget only has to remember what it took in the current
 * round (one flush, one heartbeat) to give every stream the same decision.
 */
import type { DrillNotice, Fault, FaultKind, FaultRequest } from '../../src/shared/drills';
import type { ResourceName } from '../../src/shared/resources';
import type { Encoded, SseHub, SseStream, StreamFaults } from '../sse/hub';
import { armedMessage, endedMessage } from './notices';

const DEFAULT_COPIES = 3;
const DEFAULT_WINDOW = 3;
const DEFAULT_DELAY_MS = 2000;
/** The longest a reorder fault holds an event while its window does not fill. */
export const REORDER_MAX_HOLD_MS = 1000;
/** Kinds that act on sync events, and so need the hub's stream-by-stream flush. */
const SYNC_FAULTS: ReadonlySet<FaultKind> = new Set(['drop', 'duplicate', 'reorder', 'delay']);

/** How many distinct events (or requests) a fault may still act on, and how many it did. */
class Budget {
  hits = 0;
  /** Keys taken in the current round: other streams asking about them get the same yes. */
  private readonly round = new Set<number>();

  constructor(public remaining: number | null) {}

  get usedUp(): boolean {
    return this.remaining === 0;
  }

  /** Whether the fault acts on `key`; a new key counts one hit against the budget. */
  take(key: number): boolean {
    if (this.round.has(key)) return true;
    if (this.remaining === 0) return false;
    this.round.add(key);
    this.hits++;
    if (this.remaining !== null) this.remaining--;
    return true;
  }

  endRound(): void {
    this.round.clear();
  }
}

/** Events a reorder or delay fault holds back for one stream, and the timer that lets them go. */
interface Hold {
  parts: Buffer[];
  timer: NodeJS.Timeout | null;
}

class ArmedFault {
  readonly budget: Budget;
  readonly holds = new Map<SseStream, Hold[]>();
  timer: NodeJS.Timeout | null = null;
  /** Used up, but a delay fault still has events to deliver: it ends when they are out. */
  finishing = false;

  constructor(
    readonly id: string,
    readonly request: FaultRequest,
    readonly createdAt: Date,
  ) {
    this.budget = new Budget(request.count ?? null);
  }

  get kind(): FaultKind {
    return this.request.kind;
  }

  /** The type it narrows to; stall_heartbeats has none (heartbeats carry every type). */
  get resource(): ResourceName | null {
    return this.kind === 'stall_heartbeats' ? null : (this.request.resource ?? null);
  }

  get copies(): number {
    return this.request.copies ?? DEFAULT_COPIES;
  }

  get window(): number {
    return this.request.window ?? DEFAULT_WINDOW;
  }

  get delayMs(): number {
    return this.request.delayMs ?? DEFAULT_DELAY_MS;
  }

  hasHolds(): boolean {
    return this.holds.size > 0;
  }

  view(): Fault {
    const { durationMs, client } = this.request;
    return {
      id: this.id,
      kind: this.kind,
      resource: this.resource,
      client: client ?? null,
      remaining: this.budget.remaining,
      until: durationMs === undefined ? null : new Date(this.createdAt.getTime() + durationMs).toISOString(),
      copies: this.kind === 'duplicate' ? this.copies : null,
      window: this.kind === 'reorder' ? this.window : null,
      delayMs: this.kind === 'delay' ? this.delayMs : null,
      hits: this.budget.hits,
      createdAt: this.createdAt.toISOString(),
    };
  }

  matchesStream(stream: SseStream): boolean {
    return streamMatches(stream, this.request.client);
  }

  /** A request this fault applies to (no stream id there: the User-Agent only). */
  matchesUserAgent(userAgent: string): boolean {
    const { client } = this.request;
    return client === undefined || userAgent.includes(client);
  }

  matchesResource(resource: ResourceName): boolean {
    return this.resource === null || this.resource === resource;
  }
}

/**
 * Whether `client` (a fault's or a cut's) picks this stream: no client picks every
 * stream, else the stream id (`s3`) or text found in its User-Agent.
 */
export function streamMatches(stream: SseStream, client: string | undefined): boolean {
  if (client === undefined) return true;
  const label = stream.client;
  return label !== null && (label.id === client || label.userAgent.includes(client));
}

/** Options a kind does not use are refused, not ignored: QA would believe they act. */
const OPTION_OF: Partial<Record<FaultKind, 'copies' | 'window' | 'delayMs'>> = {
  duplicate: 'copies',
  reorder: 'window',
  delay: 'delayMs',
};

/** The option of `request` its kind cannot use, if any. */
export function misplacedOption(request: FaultRequest): 'copies' | 'window' | 'delayMs' | null {
  for (const option of ['copies', 'window', 'delayMs'] as const)
    if (request[option] !== undefined && OPTION_OF[request.kind] !== option) return option;
  return null;
}

export class FaultTable implements StreamFaults {
  /** Armed faults in the order they were armed: that order decides which one acts first. */
  private readonly armed = new Map<string, ArmedFault>();
  private lastId = 0;
  private lastRequest = 0;

  constructor(private readonly hub: SseHub) {}

  get shapesEvents(): boolean {
    for (const fault of this.armed.values()) if (SYNC_FAULTS.has(fault.kind)) return true;
    return false;
  }

  get stallsHeartbeats(): boolean {
    for (const fault of this.armed.values()) if (fault.kind === 'stall_heartbeats') return true;
    return false;
  }

  list(): Fault[] {
    return [...this.armed.values()].map((f) => f.view());
  }

  /** Arms a fault; the streams it matches are told first, so the notice precedes its effect. */
  arm(request: FaultRequest): Fault {
    const fault = new ArmedFault(`f${++this.lastId}`, request, new Date());
    const view = fault.view();
    this.notify(fault, armedMessage(view, request.durationMs));
    this.armed.set(fault.id, fault);
    if (request.durationMs !== undefined) {
      fault.timer = setTimeout(() => this.end(fault), request.durationMs);
      fault.timer.unref();
    }
    return view;
  }

  /** Ends one fault now; null when there is no such fault. */
  clear(id: string): Fault | null {
    const fault = this.armed.get(id);
    if (!fault) return null;
    this.end(fault);
    return fault.view();
  }

  /** Ends every fault now; returns how many there were. */
  clearAll(): number {
    const all = [...this.armed.values()];
    for (const fault of all) this.end(fault);
    return all.length;
  }

  /**
   * The too_old fault that answers this `GET /api/sync/changes` with 410, if any; it
   * counts the answer as one hit.
   */
  tooOldForChanges(resource: ResourceName, userAgent: string): Fault | null {
    return this.takeTooOld((f) => f.matchesResource(resource) && f.matchesUserAgent(userAgent));
  }

  /**
   * The too_old fault that turns this stream's resume into `reset too_old`, if any: only
   * faults not narrowed to one type, since a resume replays every type at once.
   */
  tooOldForResume(stream: SseStream): Fault | null {
    return this.takeTooOld((f) => f.resource === null && f.matchesStream(stream));
  }

  private takeTooOld(match: (fault: ArmedFault) => boolean): Fault | null {
    for (const fault of this.armed.values()) {
      if (fault.kind !== 'too_old' || !match(fault) || !fault.budget.take(++this.lastRequest)) continue;
      fault.budget.endRound();
      const view = fault.view();
      if (fault.budget.usedUp) this.end(fault);
      return view;
    }
    return null;
  }

  deliver(stream: SseStream, events: Encoded[]): void {
    const faults = [...this.armed.values()].filter((f) => SYNC_FAULTS.has(f.kind) && f.matchesStream(stream));
    if (faults.length === 0) {
      this.hub.write(
        stream,
        events.length === 1 ? events[0]!.bytes : Buffer.concat(events.map((e) => e.bytes)),
      );
      return;
    }
    const now: Buffer[] = [];
    const delayed = new Map<ArmedFault, Buffer[]>();
    for (const event of events) {
      // The first armed fault of a kind that matches and still has budget acts; drop
      // wins over everything, a duplicate's copies are held or delayed as one.
      const acting = (kind: FaultKind) =>
        faults.find((f) => f.kind === kind && f.matchesResource(event.resource) && f.budget.take(event.seq));
      if (acting('drop')) continue;
      const duplicate = acting('duplicate');
      const bytes = duplicate
        ? Buffer.concat(Array.from({ length: duplicate.copies }, () => event.bytes))
        : event.bytes;
      const reorder = acting('reorder');
      if (reorder) {
        now.push(...this.holdForReorder(reorder, stream, bytes));
        continue;
      }
      const delay = acting('delay');
      if (delay) {
        const batch = delayed.get(delay) ?? [];
        batch.push(bytes);
        delayed.set(delay, batch);
        continue;
      }
      now.push(bytes);
    }
    if (now.length > 0) this.hub.write(stream, now.length === 1 ? now[0]! : Buffer.concat(now));
    for (const [fault, parts] of delayed) {
      const hold: Hold = { parts, timer: null };
      hold.timer = setTimeout(() => this.release(fault, stream, hold), fault.delayMs);
      hold.timer.unref();
      this.addHold(fault, stream, hold);
    }
  }

  stallsHeartbeat(stream: SseStream, beat: number): boolean {
    for (const fault of this.armed.values())
      if (fault.kind === 'stall_heartbeats' && fault.matchesStream(stream) && fault.budget.take(beat))
        return true;
    return false;
  }

  endRound(): void {
    for (const fault of [...this.armed.values()]) {
      fault.budget.endRound();
      if (!fault.budget.usedUp || fault.finishing) continue;
      // A used-up delay fault still owes its held events their full delay.
      if (fault.kind === 'delay' && fault.hasHolds()) fault.finishing = true;
      else this.end(fault);
    }
  }

  forget(stream: SseStream): void {
    for (const fault of [...this.armed.values()]) {
      const holds = fault.holds.get(stream);
      if (!holds) continue;
      for (const hold of holds) if (hold.timer) clearTimeout(hold.timer);
      fault.holds.delete(stream);
      if (fault.finishing && !fault.hasHolds()) this.end(fault);
    }
  }

  /** Drops every fault and everything held, without notices: the app is closing. */
  close(): void {
    for (const fault of this.armed.values()) {
      if (fault.timer) clearTimeout(fault.timer);
      for (const holds of fault.holds.values())
        for (const hold of holds) if (hold.timer) clearTimeout(hold.timer);
      fault.holds.clear();
    }
    this.armed.clear();
  }

  /** Adds an event to the stream's reorder window; a full window comes back newest first. */
  private holdForReorder(fault: ArmedFault, stream: SseStream, bytes: Buffer): Buffer[] {
    let hold = fault.holds.get(stream)?.[0];
    if (!hold) {
      const fresh: Hold = { parts: [], timer: null };
      // Nothing waits forever for a window that never fills.
      fresh.timer = setTimeout(() => this.release(fault, stream, fresh), REORDER_MAX_HOLD_MS);
      fresh.timer.unref();
      this.addHold(fault, stream, fresh);
      hold = fresh;
    }
    hold.parts.push(bytes);
    if (hold.parts.length < fault.window) return [];
    this.dropHold(fault, stream, hold);
    return hold.parts.reverse();
  }

  private addHold(fault: ArmedFault, stream: SseStream, hold: Hold): void {
    const holds = fault.holds.get(stream);
    if (holds) holds.push(hold);
    else fault.holds.set(stream, [hold]);
  }

  private dropHold(fault: ArmedFault, stream: SseStream, hold: Hold): void {
    if (hold.timer) clearTimeout(hold.timer);
    const holds = fault.holds.get(stream)?.filter((h) => h !== hold) ?? [];
    if (holds.length > 0) fault.holds.set(stream, holds);
    else fault.holds.delete(stream);
  }

  /** Writes what a hold kept back (a reorder window newest first, a delay batch in order). */
  private release(fault: ArmedFault, stream: SseStream, hold: Hold): void {
    this.dropHold(fault, stream, hold);
    const parts = fault.kind === 'reorder' ? [...hold.parts].reverse() : hold.parts;
    if (parts.length > 0) this.hub.write(stream, Buffer.concat(parts));
    if (fault.finishing && !fault.hasHolds()) this.end(fault);
  }

  /**
   * Ends a fault (used up, expired or cleared): what it still holds is written at once,
   * then its streams are told. A used-up delay fault gets here only once it holds nothing.
   */
  private end(fault: ArmedFault): void {
    if (this.armed.get(fault.id) !== fault) return;
    this.armed.delete(fault.id);
    if (fault.timer) clearTimeout(fault.timer);
    for (const [stream, holds] of [...fault.holds])
      for (const hold of holds) this.release(fault, stream, hold);
    this.notify(fault, endedMessage(fault.view()));
  }

  private notify(fault: ArmedFault, message: string): void {
    const notice: DrillNotice = { epoch: this.hub.epoch, fault: fault.kind, message };
    this.hub.notify((stream) => fault.matchesStream(stream), notice);
  }
}
