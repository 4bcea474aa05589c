/**
 * What the viewer may do in a chat, mirroring the server's policy (shared/policy.ts), so the UI
 * offers only what the server will take. The server still decides.
 */
import type { MemberView } from "../../shared/chat_view.ts";

export interface Standing {
  /** The viewer's role in the chat (null while its members are not loaded). */
  chatRole: string | null;
  /** Owner or moderator: deletes any message, closes polls, adds people, makes invite links. */
  manager: boolean;
  /** Moderates (freeze, slow mode, mute, announcements to confirm): managers and school admins. */
  moderator: boolean;
  /** Makes members moderators: the owner and school admins. */
  setsRoles: boolean;
  /** Teachers and admins plan lessons and start lessons and meetings. */
  staff: boolean;
  /** Until when the viewer is muted here, if they are. */
  mutedUntil: string | null;
}

/** The viewer's standing in a chat, from its members and the viewer's roles in the school. */
export function roleIn(
  me: string,
  members: readonly MemberView[],
  orgRoles: readonly string[],
  kind: string,
): Standing {
  const self = members.find((m) => m.userId === me);
  const chatRole = self?.chatRole ?? null;
  const admin = orgRoles.includes("admin");
  const manager = chatRole === "owner" || chatRole === "moderator";
  return {
    chatRole,
    manager: manager && kind !== "direct",
    moderator: chatRole !== null && (manager || admin),
    setsRoles: chatRole !== null && (chatRole === "owner" || admin) && kind !== "direct",
    staff: admin || orgRoles.includes("teacher"),
    mutedUntil: self?.mutedUntil ?? null,
  };
}
