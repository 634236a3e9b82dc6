/**
 * The words of drill notices (`event: drill`, DrillNotice.message). Clients log them as
 * injected faults, so a person reading a sync log can tell a drill from a real failure;
 * they say what is done to the stream, in the terms QA armed it with.
 */
import type { Fault } from '../../src/shared/drills';

/** `10 s` for whole seconds, else `1500 ms`. */
function span(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** "the next 5 product sync events", "the next sync event", "product sync events". */
function which(fault: Fault, noun: string, plural = `${noun}s`): string {
  const type = fault.resource ? `${fault.resource} ` : '';
  if (fault.remaining === null) return `${type}${plural}`;
  return fault.remaining === 1 ? `the next ${type}${noun}` : `the next ${fault.remaining} ${type}${plural}`;
}

/** " for 10 s" (no count) or " within 10 s" (a count that may run out first); '' without a duration. */
function lasting(fault: Fault, durationMs: number | undefined): string {
  if (durationMs === undefined) return '';
  return fault.remaining === null ? ` for ${span(durationMs)}` : ` within ${span(durationMs)}`;
}

/** What a stream is told when a fault that matches it is armed. */
export function armedMessage(fault: Fault, durationMs: number | undefined): string {
  const events = which(fault, 'sync event');
  const time = lasting(fault, durationMs);
  switch (fault.kind) {
    case 'drop':
      return `Drill: dropping ${events}${time}`;
    case 'duplicate':
      return `Drill: sending ${events} ${fault.copies} times each${time}`;
    case 'reorder':
      return `Drill: reordering ${events}, ${fault.window} at a time, newest first${time}`;
    case 'delay':
      return `Drill: delaying ${events} by ${span(fault.delayMs!)}${time}`;
    case 'stall_heartbeats':
      return fault.remaining === null
        ? `Drill: heartbeats stalled${time}`
        : `Drill: withholding ${which(fault, 'heartbeat')}${time}`;
    case 'too_old': {
      const resumes = fault.resource === null ? ' (and stream resumes with reset too_old)' : '';
      return `Drill: answering ${which(fault, 'catch-up')} with 410 too_old${resumes}${time}`;
    }
  }
}

/** What a stream is told when a fault that matched it ends (used up, expired or cleared). */
export function endedMessage(fault: Fault): string {
  return `Drill: ${fault.kind} fault ${fault.id} ended`;
}

export const ACTION_MESSAGES = {
  cut: 'Drill: stream cut',
  rotate_epoch: 'Drill: epoch rotated',
  wipe: 'Drill: database wiped and reseeded',
} as const;
