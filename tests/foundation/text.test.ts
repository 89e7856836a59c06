import { describe, expect, it } from 'vitest';
import { truncate } from '../../src/text.js';
import { clip } from '../../src/modules/ai/text.js';

describe('truncate', () => {
  it('keeps short text and cuts long text with an ellipsis', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('0123456789abc', 10)).toBe('012345678…');
  });

  it('never leaves half an emoji at the cut (it would show as � and break encodeURIComponent)', () => {
    const text = `${'x'.repeat(8)}🔥🔥🔥`; // the 9th unit is the first half of a pair
    const cut = truncate(text, 10);
    expect(cut).toBe(`${'x'.repeat(8)}…`);
    expect(() => encodeURIComponent(cut)).not.toThrow();
    for (let max = 2; max < text.length; max++) expect(() => encodeURIComponent(truncate(text, max)), `max ${max}`).not.toThrow();
  });
});

describe('clip (AI summaries)', () => {
  it('cuts at a word boundary without splitting a pair', () => {
    expect(clip('alpha beta gamma delta', 12)).toBe('alpha beta…');
    for (let max = 2; max < 14; max++) expect(() => encodeURIComponent(clip('🔥🔥🔥🔥🔥🔥🔥🔥', max)), `max ${max}`).not.toThrow();
  });
});
