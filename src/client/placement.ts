/**
 * Rendezvous (highest-random-weight) hashing of stream ids onto workers: each worker gets a score
 * from a hash of (id, worker) and the highest wins. Stable (the same id goes to the same worker in
 * every run and process) and balanced; with a different worker count only ~1/n of the ids move.
 */

/** FNV-1a over the UTF-16 code units of `s`, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the output. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The worker (0 … workers − 1) that owns `stream`. */
export function placeStream(stream: string, workers: number): number {
  if (workers <= 1) return 0;
  const h = fnv1a(stream);
  let best = 0;
  let bestScore = -1;
  for (let w = 0; w < workers; w++) {
    const score = mix32(h ^ Math.imul(w + 1, 0x9e3779b1));
    if (score > bestScore) {
      best = w;
      bestScore = score;
    }
  }
  return best;
}
