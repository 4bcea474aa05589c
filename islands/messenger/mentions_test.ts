import assert from "node:assert/strict";
import { ALL, candidates, insertMention, mentionQuery, mentionsIn } from "./mentions.ts";

const people = [
  { id: "1", name: "Ольга Кузнецова" },
  { id: "2", name: "Пётр Орлов" },
  { id: "3", name: "Олег Смирнов" },
];

Deno.test("the composer finds the @name being typed, and whom it may mean", () => {
  assert.deepEqual(mentionQuery("Спасибо, @Оль", 13), { start: 9, query: "Оль" });
  assert.deepEqual(mentionQuery("@", 1), { start: 0, query: "" });
  assert.equal(mentionQuery("почта a@b", 9), null, "an e-mail address is not a mention");
  assert.deepEqual(candidates(people, "ол").map((p) => p.id), ["1", "3"]);
  assert.deepEqual(candidates(people, "петр").map((p) => p.id), ["2"], "ё is е");
  assert.deepEqual(candidates(people, "орл").map((p) => p.id), ["2"], "any word of the name");
});

Deno.test("a chosen name goes into the text, and the message names whoever is still in it", () => {
  const typed = "Спасибо, @Оль!";
  const at = mentionQuery(typed, 13)!;
  const { text, caret } = insertMention(typed, at, "Ольга Кузнецова");
  assert.equal(text, "Спасибо, @Ольга Кузнецова !");
  assert.equal(caret, "Спасибо, @Ольга Кузнецова ".length);
  const chosen = new Map([["1", "Ольга Кузнецова"], ["2", "Пётр Орлов"], [ALL, "все"]]);
  assert.deepEqual(mentionsIn(`${text} @все`, chosen), { mentions: ["1"], mentionAll: true });
  assert.deepEqual(mentionsIn("никого", chosen), { mentions: [], mentionAll: false });
});
