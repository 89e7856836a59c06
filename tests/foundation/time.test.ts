import { describe, expect, it } from 'vitest';
import { formatInZone } from '../../src/time.js';

describe('formatInZone', () => {
  it('shows the instant in the given zone', () => {
    const at = new Date('2026-05-09T04:26:00Z');
    expect(formatInZone(at, 'Africa/Kampala')).toBe('9 May 2026, 07:26');
    expect(formatInZone(at, 'America/New_York')).toBe('9 May 2026, 00:26');
    expect(formatInZone(at, 'UTC')).toBe('9 May 2026, 04:26');
  });

  it('gives each instant its own text, asked again and again', () => {
    const base = Date.parse('2026-12-06T10:00:00Z');
    for (let round = 0; round < 2; round++) {
      expect(formatInZone(new Date(base), 'UTC')).toBe('6 Dec 2026, 10:00');
      expect(formatInZone(new Date(base + 59_000), 'UTC')).toBe('6 Dec 2026, 10:00');
      expect(formatInZone(new Date(base + 60_000), 'UTC')).toBe('6 Dec 2026, 10:01');
      expect(formatInZone(new Date(base - 1), 'UTC')).toBe('6 Dec 2026, 09:59');
    }
  });

  it('follows daylight saving time across the change', () => {
    // Europe/Berlin: 2026-03-29 01:00 UTC, clocks go from 02:00 to 03:00.
    expect(formatInZone(new Date('2026-03-29T00:59:00Z'), 'Europe/Berlin')).toBe('29 Mar 2026, 01:59');
    expect(formatInZone(new Date('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe('29 Mar 2026, 03:00');
  });

  it('stays right after many different instants have been shown', () => {
    const base = Date.parse('2020-01-01T00:00:00Z');
    for (let i = 0; i < 6_000; i++) formatInZone(new Date(base + i * 1000), 'UTC');
    expect(formatInZone(new Date(base), 'UTC')).toBe('1 Jan 2020, 00:00');
    expect(formatInZone(new Date(base + 5_999_000), 'Asia/Kolkata')).toBe('1 Jan 2020, 07:09');
  });
});
