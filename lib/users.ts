/** People: one account per email, with the name they chose and their language. */
import type { UserId } from "./ids.ts";
import { keys } from "./kv_keys.ts";
import { getManyChunked, transact } from "./kv_util.ts";
import type { Locale, User } from "./model.ts";
import { notFound } from "./errors.ts";

/** The user, or null. */
export async function getUser(kv: Deno.Kv, id: UserId): Promise<User | null> {
  return (await kv.get<User>(keys.user(id))).value;
}

/** Users by id, in the same order; missing ones are null. */
export async function getUsers(kv: Deno.Kv, ids: readonly UserId[]): Promise<(User | null)[]> {
  const entries = await getManyChunked<User>(kv, ids.map((id) => keys.user(id)));
  return entries.map((e) => e.value);
}

/** The user who signs in with `email`, or null. */
export async function getUserByEmail(kv: Deno.Kv, email: string): Promise<User | null> {
  const id = (await kv.get<UserId>(keys.userByEmail(email))).value;
  return id ? await getUser(kv, id) : null;
}

export interface UserPatch {
  displayName?: string;
  locale?: Locale;
}

/** Applies `patch` to the user and returns the result. */
export async function updateUser(kv: Deno.Kv, id: UserId, patch: UserPatch): Promise<User> {
  return await transact(async () => {
    const entry = await kv.get<User>(keys.user(id));
    if (!entry.value) throw notFound("No such user");
    const user: User = { ...entry.value, ...patch };
    return { op: kv.atomic().check(entry).set(keys.user(id), user), result: user };
  });
}

/** What the API shows of a user to that user. */
export function publicSelf(user: User) {
  return {
    id: user.id,
    displayName: user.displayName,
    email: user.email,
    locale: user.locale,
  };
}
