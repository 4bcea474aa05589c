/**
 * Display names: how they are normalised on input, which ones imitate a badge, and the confusable
 * skeleton under which two names that look alike are equal. Server-side (the skeleton carries
 * Unicode's confusables table).
 *
 * The skeleton is Unicode's UTS #39 confusable mapping (confusables.txt, by the `unhomoglyph`
 * package) folded further for names: letter case, accents and other combining marks (ё is е),
 * and everything that is not a letter or a digit (spaces, dots, dashes).
 */
import unhomoglyph from "unhomoglyph";

/**
 * Characters that render as nothing: format characters (zero-width space, non-joiner and
 * joiner, left-to-right and right-to-left marks, word joiner, byte-order mark, soft hyphen,
 * tags, …) and other default-ignorables (variation selectors, Hangul fillers, Mongolian
 * separators, the combining grapheme joiner).
 */
const INVISIBLE =
  /[\p{Cf}\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\u{e0100}-\u{e01ef}]/gu;

/** Whitespace, and the blank braille pattern that shows as a space. */
const SPACES = /[\s\u2800]+/gu;

/**
 * `name` as Parta stores it: invisible characters removed, compatibility forms folded (NFKC:
 * fullwidth letters, ligatures, superscripts), runs of whitespace made one space, trimmed.
 */
export function normalizeDisplayName(name: string): string {
  return name.replace(INVISIBLE, "").normalize("NFKC").replace(INVISIBLE, "")
    .replace(SPACES, " ").trim();
}

/**
 * The confusable skeleton of a name: equal for names that look alike (Latin "Mapия" and
 * Cyrillic "Мария", "мария ивановна" and "Мария  Ивановна.", "Алёна" and "Алена").
 */
export function nameSkeleton(name: string): string {
  // Upper case first, where Cyrillic and Latin share most shapes (А/A, В/B, М/M, Н/H …), then
  // lower case through the table again, so that case never tells two names apart.
  const upper = normalizeDisplayName(name).normalize("NFD").toUpperCase();
  const folded = unhomoglyph(unhomoglyph(upper).toLowerCase());
  return folded.normalize("NFD").replace(/[^\p{L}\p{N}]/gu, "");
}

/** Marks that read as a tick next to a name: ✓ ✔ ☑ ✅ 🗸 🗹 √ ⍻ 𐄂. */
const CHECK_MARKS = /[\u2713\u2714\u2611\u2705\u{1f5f8}\u{1f5f9}\u221a\u237b\u{10102}]/u;

/** Words of the badges and titles Parta shows beside names, in both languages. */
const BADGE_WORDS = [
  "учитель",
  "учительница",
  "преподаватель",
  "педагог",
  "руководитель",
  "администратор",
  "администрация",
  "админ",
  "директор",
  "завуч",
  "модератор",
  "оператор",
  "проверен",
  "проверенный",
  "проверенная",
  "проверено",
  "верифицирован",
  "официальный",
  "teacher",
  "admin",
  "administrator",
  "moderator",
  "operator",
  "staff",
  "verified",
  "official",
];
const BADGE_SKELETONS = new Set(BADGE_WORDS.map(nameSkeleton));

/** What follows an opening bracket, up to its closing one (or the end of the name). */
const BRACKETED = /[(\[{<«‹⟨〈「【]([^)\]}>»›⟩〉」】]*)/gu;
const SEPARATORS = /[—–\-|/\\:·•,;]/u;

/**
 * Whether a (normalised) name imitates a badge: a check mark anywhere, or a role or title in
 * brackets or after a dash, bar or comma ("Петя (учитель)", "Петя — администратор", "Петя
 * [teacher]"), look-alike letters included. A surname that happens to be such a word
 * ("Анна Учитель") is a name, not a badge.
 */
export function imitatesBadge(name: string): boolean {
  if (CHECK_MARKS.test(name)) return true;
  const segments = [...name.matchAll(BRACKETED)].map((m) => m[1]!);
  const parts = name.split(SEPARATORS);
  if (parts.length > 1) segments.push(parts.at(-1)!);
  return segments.some((segment) =>
    [segment, ...segment.split(/[^\p{L}\p{N}]+/u)].some((piece) =>
      piece !== "" && BADGE_SKELETONS.has(nameSkeleton(piece))
    )
  );
}
