/**
 * The messenger's dialogs, each loaded when first opened (they are not part of the page's first
 * load): what opens one, and what every dialog is given.
 */
import type { ComponentType } from "preact";
import type { Locale } from "../../shared/model.ts";
import type { FileView } from "../../shared/chat_view.ts";
import type { Controller } from "./controller.ts";
import type { OrgInfo, State } from "./store.ts";

export type ModalSpec =
  | { kind: "poll"; chatId: string }
  | { kind: "lesson"; chatId: string }
  | { kind: "call"; chatId: string }
  | { kind: "report"; chatId: string; seq: number }
  | { kind: "acks"; chatId: string; seq: number }
  | { kind: "members"; chatId: string }
  | { kind: "notifications"; chatId: string }
  | { kind: "image"; file: FileView };

export interface ModalProps<S extends ModalSpec = ModalSpec> {
  spec: S;
  locale: Locale;
  ctl: Controller;
  state: State;
  orgs: OrgInfo[];
  onClose: () => void;
}

// deno-lint-ignore no-explicit-any
type Loader = () => Promise<ComponentType<ModalProps<any>>>;

/** Each dialog's module, fetched on first use. */
export const LOADERS: Record<ModalSpec["kind"], Loader> = {
  poll: () => import("./dialogs/PollDialog.tsx").then((m) => m.PollDialog),
  lesson: () => import("./dialogs/LessonDialog.tsx").then((m) => m.LessonDialog),
  call: () => import("./dialogs/CallDialog.tsx").then((m) => m.CallDialog),
  report: () => import("./dialogs/ReportDialog.tsx").then((m) => m.ReportDialog),
  acks: () => import("./dialogs/AcksDialog.tsx").then((m) => m.AcksDialog),
  members: () => import("./dialogs/MembersDialog.tsx").then((m) => m.MembersDialog),
  notifications: () => import("./dialogs/NotifyDialog.tsx").then((m) => m.NotifyDialog),
  image: () => import("./dialogs/ImageViewer.tsx").then((m) => m.ImageViewer),
};
