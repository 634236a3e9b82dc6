import { describe, expect, it } from 'vitest';
import { formatClock } from './format';

describe('formatClock', () => {
  it('gives hours, minutes and seconds on a 24-hour clock, midnight as 00', () => {
    // `hour12: false` printed "24:05:07" here in en-US; the log's clock reads 00:05:07.
    expect(formatClock(new Date(2026, 0, 1, 0, 5, 7).getTime())).toMatch(/^00\D05\D07$/);
    expect(formatClock(new Date(2026, 0, 1, 14, 5, 7).getTime())).toMatch(/^14\D05\D07$/);
  });
});
