import { describe, expect, it } from 'vitest';
import {
  addDays, candidateDates, coveringRows, daysBetween, formatDay, isCalendarDate, isLocalTime, localInstant, rotationMemberOn, shiftWindow,
} from '../../src/modules/oncall/shifts.js';

describe('on-call calendar arithmetic', () => {
  it('accepts only real calendar dates and times of day', () => {
    for (const d of ['2026-05-09', '2028-02-29', '2000-01-01', '2099-12-31']) expect(isCalendarDate(d), d).toBe(true);
    for (const d of ['2026-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '26-05-09', '2026-5-9', '1999-12-31', '2100-01-01', '', 20260509, null]) {
      expect(isCalendarDate(d), String(d)).toBe(false);
    }
    for (const x of ['00:00', '09:30', '23:59']) expect(isLocalTime(x)).toBe(true);
    for (const x of ['24:00', '9:00', '09:60', '0900', '']) expect(isLocalTime(x)).toBe(false);
  });

  it('adds days across months, leap days and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
    expect(formatDay('2026-05-09')).toBe('Sat 9 May 2026');
  });

  it('reads local times in a zone: a skipped time moves forward, a repeated time takes the first', () => {
    expect(localInstant('2026-05-09', '09:00', 'Africa/Johannesburg').toISOString()).toBe('2026-05-09T07:00:00.000Z');
    expect(localInstant('2026-03-29', '01:30', 'Europe/London').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(localInstant('2026-10-25', '01:30', 'Europe/London').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(localInstant('2026-03-08', '02:30', 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(localInstant('2026-11-01', '01:30', 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(localInstant('2026-04-05', '02:30', 'Australia/Sydney').toISOString()).toBe('2026-04-04T15:30:00.000Z');
  });

  it('makes shifts from handoff to handoff; a row without a handoff covers its calendar day', () => {
    expect(shiftWindow('2026-05-09', null, 'Africa/Johannesburg')).toEqual({
      start: new Date('2026-05-08T22:00:00Z'), end: new Date('2026-05-09T22:00:00Z'),
    });
    expect(shiftWindow('2026-03-28', '09:00', 'Europe/London')).toEqual({
      start: new Date('2026-03-28T09:00:00Z'), end: new Date('2026-03-29T08:00:00Z'),
    });
    expect(candidateDates(new Date('2026-05-08T22:30:00Z'), 'Africa/Johannesburg')).toEqual(['2026-05-08', '2026-05-09']);
  });

  it('picks the covering row per role; the shift that started last wins', () => {
    const rows = [
      { id: 1, date: '2026-05-08', role: 'primary', handoff_time: '09:00' },
      { id: 2, date: '2026-05-09', role: 'primary', handoff_time: null },
      { id: 3, date: '2026-05-09', role: 'backup', handoff_time: '09:00' },
    ];
    const tz = 'Africa/Johannesburg';
    // 02:00 local on 9 May: the rotation's shift of 8 May runs until 09:00, the day added by hand began at midnight.
    const early = coveringRows(rows, new Date('2026-05-09T00:00:00Z'), tz);
    expect(early.get('primary')?.id).toBe(2);
    expect(early.get('backup')).toBeUndefined();
    const later = coveringRows(rows, new Date('2026-05-09T08:00:00Z'), tz);
    expect(later.get('backup')?.id).toBe(3);
    expect(coveringRows(rows.slice(0, 1), new Date('2026-05-09T06:59:00Z'), tz).get('primary')?.id).toBe(1);
    expect(coveringRows(rows.slice(0, 1), new Date('2026-05-09T07:00:00Z'), tz).get('primary')).toBeUndefined();
  });

  it('turns members in order, shift_days each, from the start date', () => {
    const m = ['a', 'b', 'c'];
    expect(rotationMemberOn(m, '2026-05-01', 2, '2026-04-30')).toBeNull();
    expect(['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-05', '2026-05-07'].map((d) => rotationMemberOn(m, '2026-05-01', 2, d)))
      .toEqual(['a', 'a', 'b', 'c', 'a']);
  });
});
