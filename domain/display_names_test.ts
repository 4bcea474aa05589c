import assert from "node:assert/strict";
import { imitatesBadge, nameSkeleton, normalizeDisplayName } from "./display_names.ts";

Deno.test("display names lose invisible characters, fold compatibility forms and collapse spaces", () => {
  const cases: [string, string][] = [
    ["  Мария   Ивановна ", "Мария Ивановна"],
    ["Мария\u200bИвановна", "МарияИвановна"],
    ["Ма\u200cр\u200dия\u2060 \ufeffИвановна\u00ad", "Мария Ивановна"],
    ["Мария\u00a0\u2003Ивановна", "Мария Ивановна"],
    ["Мария\u2800Ивановна", "Мария Ивановна"],
    ["\u200eМария\u200f", "Мария"],
    ["Ｍａｒｉｙａ", "Mariya"],
    ["е\u200b\u0308ж", "ёж"],
    ["Коля 👍🏻", "Коля 👍🏻"],
  ];
  for (const [input, stored] of cases) {
    assert.equal(normalizeDisplayName(input), stored, JSON.stringify(input));
  }
});

Deno.test("names that look alike share a skeleton; different names do not", () => {
  const teacher = nameSkeleton("Мария Ивановна");
  const lookAlikes = [
    "Мария Ивановна",
    "мария ивановна",
    "МАРИЯ ИВАНОВНА",
    "Мария  Ивановна.",
    "Мария-Ивановна",
    "Мария\u200b Ивановна",
    "Мaрия Ивaновнa", // Latin a
    "Mария Ивановна", // Latin M
    "MAPИЯ ИВAHOBHA", // Latin M, A, P, H, O, B
    "Мари\u0301я Ивановна", // a stress mark
  ];
  for (const name of lookAlikes) assert.equal(nameSkeleton(name), teacher, name);
  for (const pair of [["Алёна", "Алена"], ["Сергей Петрович", "Cepгeй Пeтpoвич"]]) {
    assert.equal(nameSkeleton(pair[0]!), nameSkeleton(pair[1]!), pair.join(" / "));
  }
  const others = ["Мария Петровна", "Марина Ивановна", "Mariya Ivanovna", "Иван Сергеевич"];
  for (const name of others) assert.notEqual(nameSkeleton(name), teacher, name);
});

Deno.test("names imitating a badge are recognised, names that merely hold the word are not", () => {
  const badges = [
    "Петя (учитель)",
    "Петя (учитель ✓)",
    "Петя (Учительница)",
    "Петя(учитель",
    "Петя [teacher]",
    "Петя {Admin}",
    "Петя «администратор»",
    "Петя (yчитель)", // Latin y
    "Петя (TEACHER)",
    "Петя — учитель",
    "Петя, завуч",
    "Петя | admin",
    "Петя (классный руководитель)",
    "Петя ✓",
    "Петя ✔",
    "☑ Петя",
    "Петя ✅",
    "Петя 🗸",
    "Петя √",
  ];
  for (const name of badges) assert.equal(imitatesBadge(name), true, name);
  const names = [
    "Анна Учитель",
    "Петя",
    "Петя (5А)",
    "Мария-Ивановна",
    "Коля (Бадминтон)",
    "Петя (admiral)",
    "Teacher Smith",
  ];
  for (const name of names) assert.equal(imitatesBadge(name), false, name);
});
