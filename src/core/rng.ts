/**
 * A seeded random generator with independent sub-streams per purpose, so that drawing one more batch never
 * changes the initialisation, and the data set does not depend on how many parameters the model has.
 *
 * The generator is xoshiro128** (Blackman and Vigna) seeded through splitmix32; a double takes 53 random bits
 * from two outputs. Sub-streams hash the parent seed with the purpose's name.
 *
 * @module
 */

/** A seeded source of random numbers. */
export interface Rng {
  /** The seed this stream was made from (a stream's seed is derived from its parent's and its name). */
  readonly seed: number;
  /** A 32-bit unsigned integer. */
  nextUint32(): number;
  /** A double uniform in [0, 1), with 53 random bits. */
  uniform(): number;
  /** A double uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number;
  /** A standard normal draw (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number;
  /** An integer uniform in [0, n). */
  int(n: number): number;
  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[];
  /** An independent stream for a named purpose ("init", "data", "batches", ...). */
  stream(purpose: string): Rng;
}

/** The purposes the engine draws for; each gets its own stream. */
export const STREAMS = { init: 'init', data: 'data', batches: 'batches', features: 'features', noise: 'noise' } as const;

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashString(seed: number, text: string): number {
  // FNV-1a over the name, mixed with the parent seed.
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return splitmix32(h)();
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A generator seeded by a 32-bit integer (other numbers are reduced modulo 2^32). */
export function rng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`rng: seed ${seed} is not a finite number`);
  const seed32 = Math.trunc(seed) >>> 0;
  const init = splitmix32(seed32);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  if ((a | b | c | d) === 0) a = 1;
  let spare: number | null = null;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const uniform = (): number => {
    const hi = nextUint32() >>> 5; // 27 bits
    const lo = nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  };
  const self: Rng = {
    seed: seed32,
    nextUint32,
    uniform,
    uniformIn: (lo, hi) => lo + (hi - lo) * uniform(),
    normal: () => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = uniform();
      while (u === 0) u = uniform();
      const v = uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int: (n) => {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.int: bound ${n} is not a positive integer`);
      return Math.floor(uniform() * n);
    },
    permutation: (n) => {
      const p = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(uniform() * (i + 1));
        [p[i], p[j]] = [p[j]!, p[i]!];
      }
      return p;
    },
    stream: (purpose) => rng(hashString(seed32, purpose)),
  };
  return self;
}
