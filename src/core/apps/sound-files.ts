/**
 * Finding a prompt the way Asterisk does (main/file.c, fileexists_core): a name without
 * extension, looked up first in the language folder of the sounds directory, then in the
 * sounds directory itself. Linekey plays WAV only (8 kHz 16-bit mono: the `-wav` sound
 * packages). Debian's asterisk-core-sounds-en-wav installs into `en_US_f_Allison/` with `en`
 * as a link to it, so that folder is tried too when `en/` is missing.
 */
import { isAbsolute, join } from "node:path";
import { readWavFile } from "../../media/wav.ts";

/** A prompt found and decoded, or why not. */
export type SoundLookup =
  | { readonly ok: true; readonly path: string; readonly samples: Int16Array }
  | { readonly ok: false; readonly reason: string };

/** Files tried for `name`, in order. */
export function soundCandidates(soundsDir: string, name: string, language = "en"): string[] {
  const file = name.toLowerCase().endsWith(".wav") ? name : `${name}.wav`;
  if (isAbsolute(name)) return [file];
  const dirs = [join(soundsDir, language)];
  if (language === "en") dirs.push(join(soundsDir, "en_US_f_Allison"));
  dirs.push(soundsDir);
  return dirs.map((d) => join(d, file));
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string")
    return err.code;
  return undefined;
}

/** Reads the first candidate that exists; a file that exists but is unusable is an error. */
export async function loadSound(soundsDir: string, name: string, language = "en"): Promise<SoundLookup> {
  const tried = soundCandidates(soundsDir, name, language);
  for (const path of tried) {
    try {
      const wav = await readWavFile(path);
      return { ok: true, path, samples: wav.samples };
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
  }
  return { ok: false, reason: `not found (tried ${tried.join(", ")})` };
}
