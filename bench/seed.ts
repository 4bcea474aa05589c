/**
 * Seeds a KV file for the fan-out benchmarks, before the server starts, and writes a manifest
 * of rooms (chat ids) with their publishers' and subscribers' bearer tokens.
 *
 *   deno run --allow-read=DIR --allow-write=DIR --allow-env bench/seed.ts \
 *     --kv DIR/parta.kv --out DIR/manifest.json [--classes 100] [--class-size 30]
 *     [--announce 1000] [--announce-pubs 50]
 *
 * - "class": `--classes` group chats, each owned by its teacher (the room's publisher) with
 *   `--class-size` students (the subscribers).
 * - "announce": one group chat of `--announce` students, owned by the admin (not connected);
 *   the first `--announce-pubs` members publish, the rest only subscribe.
 */
import { parseArgs } from "node:util";
import type { ChatId } from "../lib/ids.ts";
import { addPeople, createGroupChat, createSchool, fixtures, type Person, pool } from "./school.ts";

export interface ManifestRoom {
  chatId: ChatId;
  publishers: Person[];
  subscribers: Person[];
}

export interface Manifest {
  workloads: Record<string, { rooms: ManifestRoom[] }>;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    kv: { type: "string" },
    out: { type: "string" },
    classes: { type: "string", default: "100" },
    "class-size": { type: "string", default: "30" },
    announce: { type: "string", default: "1000" },
    "announce-pubs": { type: "string", default: "50" },
  },
});
if (!values.kv || !values.out) {
  console.error("usage: seed.ts --kv FILE --out MANIFEST.json");
  Deno.exit(64);
}
const classes = Number(values.classes);
const classSize = Number(values["class-size"]);
const announce = Number(values.announce);
const announcePubs = Number(values["announce-pubs"]);

const t0 = performance.now();
const log = (s: string) =>
  console.error(`[seed ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

const kv = await Deno.openKv(values.kv);
try {
  const f = fixtures(kv);
  const school = await createSchool(f, "Школа № 57 (bench)");
  log(`school ${school.orgId}`);
  const teachers = await addPeople(f, school, "teacher", classes, "Учитель");
  log(`${teachers.length} teachers`);
  const students = await addPeople(f, school, "student", classes * classSize, "Ученик");
  log(`${students.length} class students`);
  const listeners = await addPeople(f, school, "student", announce, "Слушатель");
  log(`${listeners.length} announcement members`);

  const classRooms = await pool(classes, 8, async (k): Promise<ManifestRoom> => {
    const members = students.slice(k * classSize, (k + 1) * classSize);
    const chatId = await createGroupChat(f, school, teachers[k]!, members, `${k + 1} класс`);
    return { chatId, publishers: [teachers[k]!], subscribers: members };
  });
  log(`${classRooms.length} class chats`);
  const announceChat = await createGroupChat(f, school, school.admin, listeners, "Объявления");
  log(`announcement chat ${announceChat} with ${listeners.length} members`);

  const manifest: Manifest = {
    workloads: {
      class: { rooms: classRooms },
      announce: {
        rooms: [{
          chatId: announceChat,
          publishers: listeners.slice(0, announcePubs),
          subscribers: listeners.slice(announcePubs),
        }],
      },
    },
  };
  await Deno.writeTextFile(values.out, JSON.stringify(manifest));
  log(`manifest written to ${values.out}`);
} finally {
  kv.close();
}
