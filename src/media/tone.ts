/**
 * Test and signalling audio: sine tones (single or dual frequency, e.g. 1 kHz test tone,
 * 440+480 Hz ring-back) and silence, as 16-bit PCM for the prompt player.
 */

/** Options of `generateTone`. */
export interface ToneOptions {
  /** Frequency in Hz. */
  readonly frequency: number;
  /** Optional second frequency mixed in at the same amplitude (dual tones). */
  readonly secondFrequency?: number;
  readonly durationMs: number;
  /** Peak amplitude of the sum, 0–32767 (default 8000 ≈ -12 dBFS). */
  readonly amplitude?: number;
  /** Sample rate (default 8000). */
  readonly sampleRate?: number;
}

/** A sine tone as 16-bit PCM. */
export function generateTone(opts: ToneOptions): Int16Array {
  const rate = opts.sampleRate ?? 8000;
  const n = Math.max(0, Math.round((opts.durationMs * rate) / 1000));
  const peak = Math.min(32767, Math.max(0, opts.amplitude ?? 8000));
  const w1 = (2 * Math.PI * opts.frequency) / rate;
  const w2 = opts.secondFrequency === undefined ? 0 : (2 * Math.PI * opts.secondFrequency) / rate;
  const dual = opts.secondFrequency !== undefined;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const v = dual ? (Math.sin(w1 * i) + Math.sin(w2 * i)) / 2 : Math.sin(w1 * i);
    out[i] = Math.round(v * peak);
  }
  return out;
}

/** Silence (all zero samples) as 16-bit PCM. */
export function generateSilence(durationMs: number, sampleRate = 8000): Int16Array {
  return new Int16Array(Math.max(0, Math.round((durationMs * sampleRate) / 1000)));
}
