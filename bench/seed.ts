/**
 * Seeds a KV file for the fan-out benchmarks, before the server starts, and writes a manifest
 * of rooms (chat ids) with their publishers' and subscribers' bearer tokens.
 *
 *   deno run --allow-read=DIR --allow-write=DIR --allow-env bench/seed.ts \
 *     --kv DIR/parta.kv --out DIR/manifest.json [--classes 100] [--class-size 30]
 *     [--announce 1000] [--announce-pubs 50] [--workloads class,announce,storm]
 *     [--storm 10000] [--storm-chat-size 30]
 *
 * - "class": `--classes` group chats, each owned by its teacher (the room's publisher) with
 *   `--class-size` students (the subscribers).
 * - "announce": one group chat of `--announce` students, owned by the admin (not connected);
 *   the first `--announce-pubs` members publish, the rest only subscribe.
 * - "storm" (reconnect storm and idle capacity): `--storm` students in class-sized group chats
 *   of `--storm-chat-size`, each chat owned by the admin; every member holds a socket, and the
 *   first member of each chat posts (over HTTP) while the sockets reconnect. `channels` are
 *   announcement chats of up to 4,999 of them each (and the admin), where the admin posts.
 */
import { parseArgs } from "node:util";
import type { ChatId } from "../shared/ids.ts";
import { MAX_CHAT_MEMBERS } from "../shared/chat_model.ts";
import { openKvShared } from "../platform/kv_util.ts";
import { addPeople, createGroupChat, createSchool, fixtures, type Person, pool } from "./school.ts";

export interface ManifestRoom {
  chatId: ChatId;
  publishers: Person[];
  subscribers: Person[];
}

export interface Manifest {
  workloads: Record<string, { rooms: ManifestRoom[]; channels?: ManifestRoom[] }>;
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
    workloads: { type: "string", default: "class,announce" },
    storm: { type: "string", default: "10000" },
    "storm-chat-size": { type: "string", default: "30" },
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
const workloads = new Set(values.workloads!.split(","));
const storm = Number(values.storm);
const stormChatSize = Number(values["storm-chat-size"]);

const t0 = performance.now();
const log = (s: string) =>
  console.error(`[seed ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}`);

const kv = await openKvShared(values.kv);
try {
  const f = fixtures(kv);
  const school = await createSchool(f, "Школа № 57 (bench)");
  log(`school ${school.orgId}`);
  const manifest: Manifest = { workloads: {} };
  if (workloads.has("class")) {
    const teachers = await addPeople(f, school, "teacher", classes, "Учитель");
    const students = await addPeople(f, school, "student", classes * classSize, "Ученик");
    log(`${teachers.length} teachers, ${students.length} class students`);
    const classRooms = await pool(classes, 8, async (k): Promise<ManifestRoom> => {
      const members = students.slice(k * classSize, (k + 1) * classSize);
      const chatId = await createGroupChat(f, school, teachers[k]!, members, `${k + 1} класс`);
      return { chatId, publishers: [teachers[k]!], subscribers: members };
    });
    log(`${classRooms.length} class chats`);
    manifest.workloads.class = { rooms: classRooms };
  }
  if (workloads.has("announce")) {
    const listeners = await addPeople(f, school, "student", announce, "Слушатель");
    const announceChat = await createGroupChat(f, school, school.admin, listeners, "Объявления");
    log(`announcement chat ${announceChat} with ${listeners.length} members`);
    manifest.workloads.announce = {
      rooms: [{
        chatId: announceChat,
        publishers: listeners.slice(0, announcePubs),
        subscribers: listeners.slice(announcePubs),
      }],
    };
  }
  if (workloads.has("storm")) {
    const people = await addPeople(f, school, "student", storm, "Ученица");
    log(`${people.length} storm students`);
    const chats = Math.ceil(storm / stormChatSize);
    const rooms = await pool(chats, 8, async (k): Promise<ManifestRoom> => {
      const members = people.slice(k * stormChatSize, (k + 1) * stormChatSize);
      const chatId = await createGroupChat(f, school, school.admin, members, `Класс ${k + 1}`);
      return { chatId, publishers: [members[0]!], subscribers: members };
    });
    // A chat holds at most MAX_CHAT_MEMBERS, the admin included: the school's announcements
    // span several chats.
    const count = Math.ceil(storm / (MAX_CHAT_MEMBERS - 1)), size = Math.ceil(storm / count);
    const channels = await pool(count, 2, async (k) => {
      const members = people.slice(k * size, (k + 1) * size);
      const chatId = await createGroupChat(f, school, school.admin, members, `Вся школа ${k + 1}`);
      return { chatId, publishers: [school.admin], subscribers: members };
    });
    log(`${rooms.length} storm chats and ${channels.length} announcement chats`);
    manifest.workloads.storm = { rooms, channels };
  }
  await Deno.writeTextFile(values.out, JSON.stringify(manifest));
  log(`manifest written to ${values.out}`);
} finally {
  kv.close();
}
