/**
 * The `drill` event a server in drill mode (docs/DRILLS.md) sends when QA injects a fault
 * into this stream. The engine only logs it, as a `fault` line marked as injected: it must
 * still find and repair the fault by its ordinary rules, or the drill would test nothing.
 */
import { DRILL_ACTIONS, type DrillNotice, FAULT_KINDS } from '../shared/drills';

const KNOWN_FAULTS: readonly string[] = [...FAULT_KINDS, ...DRILL_ACTIONS];

/** A notice's text is for the sync log; a runaway one must not flood it. */
const MAX_MESSAGE_LENGTH = 500;

/** The notice in an event's data, or null when it is not one (then it is ignored). */
export function readDrillNotice(data: unknown): DrillNotice | null {
  if (typeof data !== 'object' || data === null) return null;
  const { epoch, fault, message } = data as Record<string, unknown>;
  if (typeof epoch !== 'string' || typeof fault !== 'string' || typeof message !== 'string') return null;
  if (!KNOWN_FAULTS.includes(fault) || message.trim() === '') return null;
  return {
    epoch,
    fault: fault as DrillNotice['fault'],
    message: message.trim().slice(0, MAX_MESSAGE_LENGTH),
  };
}

/** The sync log line of a notice: "Injected fault: Drill: dropping the next 5 product sync events". */
export function drillLogMessage(notice: DrillNotice): string {
  return `Injected fault: ${notice.message}`;
}
