/**
 * Per-language enable: `rook.completion.languages` maps language ids to on/off, `"*"` being the
 * default for the rest (the convention other assistants' users know).
 */
export type LanguageSwitches = Record<string, boolean>;

export function completionsEnabledFor(languageId: string, switches: LanguageSwitches): boolean {
  return switches[languageId] ?? switches['*'] ?? true;
}
