// A passphrase strength estimate for the meter on the create screen. It is a rough lower bound
// on guessing work, meant to steer people to several random words; the Rust side enforces the
// actual minimum (8 characters).

/** `score` indexes the catalogue's `strengthLabels` (too short … strong). */
export type Strength = { bits: number; score: 0 | 1 | 2 | 3 | 4 };

/** Bits of guessing work, estimated from words (≈11 bits each, as if from a 2,000-word list)
 * or, for a single token, from the character classes used (repeats count once). */
export function estimateBits(passphrase: string): number {
  const p = passphrase.trim();
  if (p.length === 0) return 0;
  const words = p.split(/\s+/).filter((w) => w.length >= 3);
  const wordBits = words.length >= 3 ? new Set(words.map((w) => w.toLowerCase())).size * 11 : 0;
  let pool = 0;
  if (/[a-z]/.test(p)) pool += 26;
  if (/[A-Z]/.test(p)) pool += 26;
  if (/[0-9]/.test(p)) pool += 10;
  if (/[^A-Za-z0-9\s]/.test(p)) pool += 33;
  if (/[^\x00-\x7f]/.test(p)) pool += 60;
  // Repeated characters add little: count each distinct one once, the rest at a bit each.
  const distinct = new Set(p).size;
  const charBits = distinct * Math.log2(Math.max(pool, 2)) + (p.length - distinct);
  return Math.round(Math.max(wordBits, Math.min(charBits, p.length * 4)));
}

export function strength(passphrase: string): Strength {
  const bits = estimateBits(passphrase);
  const score = passphrase.length < 8 ? 0 : bits < 40 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  return { bits, score };
}
