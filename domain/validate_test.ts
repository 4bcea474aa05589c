import assert from "node:assert/strict";
import { z } from "zod";
import { AppError } from "../shared/errors.ts";
import {
  codePoints,
  displayName,
  email,
  httpUrl,
  line,
  parseInput,
  text,
  ulidString,
} from "./validate.ts";

/** The error message zod gives for `input`, or null when it parses. */
function problem(schema: z.ZodType, input: unknown): string | null {
  const result = schema.safeParse(input);
  return result.success ? null : result.error.issues[0]!.message;
}

const EMOJI = "😀"; // one code point, two UTF-16 units

Deno.test("codePoints counts code points, not UTF-16 units", () => {
  assert.equal(codePoints(""), 0);
  assert.equal(codePoints("5А"), 2);
  assert.equal(EMOJI.length, 2);
  assert.equal(codePoints(EMOJI.repeat(3)), 3);
});

Deno.test("line and text trim surrounding whitespace before measuring", () => {
  assert.equal(line(1, 3).parse("  5А \t"), "5А");
  assert.equal(text(1, 3).parse("\n abc \n"), "abc");
  assert.equal(problem(line(1, 3), "   "), "must not be empty");
  assert.equal(problem(text(1, 3), "\n\n"), "must not be empty");
  assert.equal(problem(line(2, 3), " a "), "must be at least 2 characters");
  assert.equal(problem(line(1, 3), " abcd "), "must be at most 3 characters");
  assert.equal(problem(line(4, 4), "abc"), "must be 4 characters");
});

Deno.test("line and text count an emoji as one character", () => {
  for (const schema of [line(1, 3), text(1, 3)]) {
    assert.equal(schema.parse(EMOJI.repeat(3)), EMOJI.repeat(3), "three emoji fit in three");
    assert.equal(problem(schema, EMOJI.repeat(4)), "must be at most 3 characters");
  }
});

Deno.test("line and text refuse an unpaired surrogate", () => {
  for (const schema of [line(1, 80), text(1, 80)]) {
    for (const bad of ["a\uD800b", "\uDC00", EMOJI.slice(0, 1)]) {
      assert.equal(problem(schema, bad), "must be well-formed Unicode", JSON.stringify(bad));
    }
  }
});

Deno.test("line refuses control and bidirectional override characters inside it", () => {
  const inside = [
    "\u0000",
    "\t",
    "\n",
    "\r",
    "\u001b",
    "\u007f",
    "\u0085",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
  ];
  for (const c of inside) {
    assert.equal(
      problem(line(1, 80), `Иван${c}Петров`),
      "must not contain control characters in a single line",
      JSON.stringify(c),
    );
  }
});

Deno.test("text allows newlines but refuses other control and bidi characters", () => {
  assert.equal(text(1, 80).parse("Привет!\n\nДо завтра"), "Привет!\n\nДо завтра");
  for (const c of ["\u0000", "\u0007", "\u001b", "\u007f", "\u202e", "\u2067"]) {
    assert.equal(
      problem(text(1, 80), `a${c}b`),
      "must not contain control characters in text",
      JSON.stringify(c),
    );
  }
});

Deno.test("email lower-cases and trims an address and refuses what is not one", () => {
  assert.equal(email().parse("  Anna.Petrova@School.RU "), "anna.petrova@school.ru");
  for (
    const bad of ["anna", "anna@school", "an na@school.ru", "a@b@c.ru", "<a@b.ru>", "a@b.ru\nb"]
  ) {
    assert.notEqual(problem(email(), bad), null, JSON.stringify(bad));
  }
  assert.equal(problem(email(), "anna@school"), "must be an email address");
});

Deno.test("ulidString and httpUrl accept only ids and web links", () => {
  assert.equal(ulidString().parse("01J8Z3Q4X5Y6Z7A8B9C0D1E2F3"), "01J8Z3Q4X5Y6Z7A8B9C0D1E2F3");
  for (const bad of ["01J8Z3Q4X5Y6Z7A8B9C0D1E2F", "01J8Z3Q4X5Y6Z7A8B9C0D1E2FU", "x".repeat(26)]) {
    assert.notEqual(problem(ulidString(), bad), null, bad);
  }
  assert.equal(
    httpUrl().parse(" https://journal.example.ru/a b "),
    "https://journal.example.ru/a%20b",
  );
  for (const bad of ["javascript:alert(1)", "ftp://files.example.ru", "journal.example.ru"]) {
    assert.equal(problem(httpUrl(), bad), "must be an http or https link", bad);
  }
});

Deno.test("parseInput names the first bad field by its full path", () => {
  const schema = z.object({
    name: line(1, 80),
    settings: z.object({ timeZone: line(1, 64), classes: z.array(line(1, 8)) }),
  });
  const good = { name: "Школа", settings: { timeZone: "Europe/Moscow", classes: ["5А"] } };
  assert.deepEqual(parseInput(schema, good), good);

  const cases: [unknown, string, string][] = [
    [{ ...good, name: " " }, "name", "name must not be empty"],
    [{ ...good, settings: { classes: [] } }, "settings.timeZone", "settings.timeZone is required"],
    [
      { ...good, settings: { ...good.settings, classes: ["5А", "a\u202eb"] } },
      "settings.classes.1",
      "settings.classes.1 must not contain control characters in a single line",
    ],
    [{ settings: good.settings }, "name", "name is required"],
  ];
  for (const [input, field, message] of cases) {
    assert.throws(() => parseInput(schema, input), (error) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.status, 400);
      assert.equal(error.code, "invalid_input");
      assert.equal(error.field, field);
      assert.equal(error.message, message);
      return true;
    });
  }
});

Deno.test("parseInput blames the body when the problem has no field", () => {
  const schema = z.object({ a: z.string() }).refine((o) => o.a !== "x", { message: "is wrong" });
  assert.throws(() => parseInput(schema, { a: "x" }), (error) => {
    assert.ok(error instanceof AppError);
    assert.equal(error.field, undefined);
    assert.equal(error.message, "Body is wrong");
    return true;
  });
});

Deno.test("displayName stores the name normalised and refuses controls and badges", () => {
  assert.equal(displayName().parse("  Мария\u200b   Ивановна\ufeff "), "Мария Ивановна");
  assert.equal(displayName().parse("Ｐｅｔｙａ"), "Petya");
  assert.equal(problem(displayName(), "\u200b\u200d"), "must not be empty");
  assert.equal(problem(displayName(), "я".repeat(81)), "must be at most 80 characters");
  assert.equal(displayName().parse("я".repeat(80) + "\u200b"), "я".repeat(80));
  for (const bad of ["Иван\u202eПетров", "Иван\u2066Петров", "Иван\tПетров", "Иван\u0000"]) {
    assert.equal(
      problem(displayName(), bad),
      "must not contain control characters in a name",
      JSON.stringify(bad),
    );
  }
  assert.equal(problem(displayName(), "\ud83d"), "must be well-formed Unicode");
  assert.throws(() =>
    parseInput(z.object({ displayName: displayName() }), {
      displayName: "Петя (учитель ✓)",
    }), (error) => {
    assert.ok(error instanceof AppError);
    assert.equal(error.status, 400);
    assert.equal(error.field, "displayName");
    assert.match(error.message, /^displayName must not imitate a badge/);
    assert.deepEqual(error.toJSON().reason, "badge");
    return true;
  });
});
