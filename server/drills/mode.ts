/**
 * Drill mode (RED_CORAL_DRILLS=1, docs/DRILLS.md): the state behind /api/drills. It holds
 * the armed faults, labels every event stream so faults and cuts can pick clients, and
 * runs the one-shot actions: cut streams, give the process a new epoch, wipe and reseed
 * the database. Built only when drill mode is on; otherwise none of this exists.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type {
  CutResponse,
  DrillAction,
  DrillNotice,
  DrillState,
  DrillStream,
  RotateEpochResponse,
  WipeResponse,
} from '../../src/shared/drills';
import type { AppConfig } from '../config';
import { ApiError } from '../errors';
import { seedDemo } from '../seed';
import type { SseHub } from '../sse/hub';
import type { DrillHooks, ItemStorage } from '../storage/types';
import { FaultTable, streamMatches } from './faults';
import { ACTION_MESSAGES } from './notices';

export interface DrillDeps {
  storage: ItemStorage;
  /** The wipe, and whether the epoch is this process's to change. */
  hooks: DrillHooks;
  hub: SseHub;
  config: AppConfig;
}

export class DrillMode {
  readonly faults: FaultTable;
  private lastStream = 0;
  private wipeRunning = false;

  constructor(private readonly deps: DrillDeps) {
    this.faults = new FaultTable(deps.hub);
    deps.hub.attachFaults(this.faults);
  }

  /** While a wipe runs, every other request is answered 503 and no stream starts. */
  get wiping(): boolean {
    return this.wipeRunning;
  }

  /** Labels a new event stream (ids in open order): listed by GET /api/drills, matched by faults. */
  label(request: FastifyRequest): DrillStream {
    return {
      id: `s${++this.lastStream}`,
      employee: request.session?.employee.name ?? null,
      userAgent: request.headers['user-agent'] ?? '',
      remoteAddress: request.ip,
      openedAt: new Date().toISOString(),
    };
  }

  state(): DrillState {
    const streams = this.deps.hub
      .streams()
      .flatMap((s) => (s.client ? [s.client] : []))
      .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    const { rss, heapUsed } = process.memoryUsage();
    return {
      epoch: this.deps.hub.epoch,
      heartbeatMs: this.deps.config.heartbeatMs,
      memory: { rssBytes: rss, heapUsedBytes: heapUsed },
      faults: this.faults.list(),
      streams,
    };
  }

  /** Ends every stream, or one client's; they reconnect and resume with Last-Event-ID. */
  cut(client: string | undefined): CutResponse {
    return { cut: this.deps.hub.end((s) => streamMatches(s, client), this.notice('cut')) };
  }

  /**
   * A new epoch for this process, as a restart would give it, without losing the data:
   * every stream ends and its client re-verifies against the new epoch.
   */
  rotateEpoch(): RotateEpochResponse {
    this.refuseSharedEpoch('rotate-epoch', 'run server/tools/rotate-epoch.ts; the instances then restart');
    const previous = this.deps.hub.epoch;
    const epoch = randomUUID();
    this.deps.hub.restart(epoch, null, this.notice('rotate_epoch'));
    return { previous, epoch };
  }

  /**
   * Wipes the database and seeds the demo restaurant again, like a fresh install, then
   * serves a new epoch. The hub sends nothing meanwhile: the reseed's events would reach
   * clients under the old epoch. Sessions are gone with the old employees, so clients
   * sign in again with the PINs this returns.
   */
  async wipe(): Promise<WipeResponse> {
    this.refuseSharedEpoch('wipe', 'recreate the database and restart the instances');
    if (this.wipeRunning) throw new ApiError('unavailable', 'drill wipe in progress');
    const { storage, hooks, hub, config } = this.deps;
    const epoch = randomUUID();
    const notice = this.notice('wipe');
    this.wipeRunning = true;
    hub.pause();
    try {
      try {
        await hooks.wipe();
      } catch (err) {
        hub.resume(); // nothing changed
        throw err;
      }
      try {
        const staff = await seedDemo(storage, {
          adminPin: config.adminPin,
          scryptN: config.scryptN,
          timeZone: config.venue.timeZone,
        });
        return { epoch, staff: staff.map(({ id, name, role, pin }) => ({ id, name, role, pin })) };
      } finally {
        // Even a failed reseed replaced the data: clients must re-verify under a new epoch,
        // and heartbeats must report what storage now holds.
        const { versions } = await storage.status();
        hub.restart(epoch, versions, notice);
      }
    } finally {
      this.wipeRunning = false;
    }
  }

  close(): void {
    this.faults.close();
  }

  /** PostgreSQL's epoch is the deployment's, shared by every instance: not this process's to change. */
  private refuseSharedEpoch(action: string, instead: string): void {
    if (this.deps.hooks.sharesEpoch)
      throw new ApiError(
        'drill_unsupported',
        `drill ${action} works on SQLite only: on PostgreSQL the epoch is the deployment's, shared by every instance; ${instead}`,
      );
  }

  private notice(action: DrillAction): DrillNotice {
    return { epoch: this.deps.hub.epoch, fault: action, message: ACTION_MESSAGES[action] };
  }
}
