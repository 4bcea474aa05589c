/** Every command a chat actor takes, with what each reads, costs and does. */
import * as messages from "./chat_messages.ts";
import * as members from "./chat_members.ts";
import * as polls from "./chat_polls.ts";
import * as moderation from "./chat_moderation.ts";
import * as calls from "./chat_calls.ts";
import * as lessons from "./chat_lessons.ts";
import type { Cost, Needs, Round } from "./chat_round.ts";

export type { SendOutcome } from "./chat_messages.ts";

export type ChatCommand =
  | messages.SendCommand
  | messages.EditCommand
  | messages.DeleteCommand
  | messages.ReactCommand
  | messages.AckCommand
  | members.AddMembersCommand
  | members.JoinCommand
  | members.RemoveMemberCommand
  | members.LeftSchoolCommand
  | members.RenameCommand
  | members.CreateLinkCommand
  | members.RevokeLinkCommand
  | members.MarkReadCommand
  | members.SetNotificationsCommand
  | polls.CreatePollCommand
  | polls.VoteCommand
  | polls.ClosePollCommand
  | moderation.SetSettingsCommand
  | moderation.MuteCommand
  | moderation.SetRoleCommand
  | moderation.ReportCommand
  | calls.StartCallCommand
  | calls.EndCallCommand
  | calls.FinishCallCommand
  | lessons.ScheduleLessonCommand;

interface Spec<C> {
  needs(command: C, needs: Needs): void;
  cost(command: C): Cost;
  apply(round: Round, command: C): unknown;
}

type Specs = { [T in ChatCommand["type"]]: Spec<Extract<ChatCommand, { type: T }>> };

const specs = {
  send: messages.send,
  edit: messages.edit,
  delete: messages.del,
  react: messages.react,
  ack: messages.ack,
  addMembers: members.add,
  join: members.join,
  removeMember: members.remove,
  leftSchool: members.leftSchool,
  rename: members.rename,
  createLink: members.createLink,
  revokeLink: members.revokeLink,
  markRead: members.markRead,
  setNotifications: members.setNotifications,
  createPoll: polls.create,
  vote: polls.vote,
  closePoll: polls.close,
  setSettings: moderation.setSettings,
  mute: moderation.mute,
  setRole: moderation.setRole,
  report: moderation.report,
  startCall: calls.start,
  endCall: calls.end,
  finishCall: calls.finish,
  scheduleLesson: lessons.schedule,
} satisfies Specs;

/** What a command of the type of `C` returns when it succeeds. */
export type CommandResult<C extends ChatCommand> = ReturnType<(typeof specs)[C["type"]]["apply"]>;

function spec(command: ChatCommand): Spec<ChatCommand> {
  return (specs as Specs)[command.type] as Spec<ChatCommand>;
}

/** Notes what `command` needs read (its actor always). */
export function needsOf(command: ChatCommand, needs: Needs): void {
  needs.person(command.actorId);
  spec(command).needs(command, needs);
}

export function costOf(command: ChatCommand): Cost {
  return spec(command).cost(command);
}

/** Validates, authorizes and stages `command` in the round's plan; returns its result. */
export function applyCommand(round: Round, command: ChatCommand): unknown {
  return spec(command).apply(round, command);
}
