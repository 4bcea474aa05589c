/** The composer's "more" menu: a poll, a lesson or meeting. Escape or a click elsewhere closes it. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";

export interface Tool {
  key: string;
  icon: string;
  label: string;
  run: () => void;
}

export function ToolsMenu(props: { locale: Locale; live: boolean; tools: Tool[] }) {
  const { locale, tools } = props;
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    box.current?.querySelector<HTMLElement>(".tools-menu button")?.focus();
    const away = (e: Event) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", away);
    return () => document.removeEventListener("pointerdown", away);
  }, [open]);

  return (
    <div
      class="tools"
      ref={box}
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          e.preventDefault();
          e.stopPropagation();
          setOpen(false);
          toggle.current?.focus();
        }
      }}
    >
      <button
        type="button"
        class="composer-tool"
        ref={toggle}
        disabled={!props.live}
        aria-expanded={open}
        aria-controls="composer-tools"
        aria-label={t(locale, "composer.more")}
        title={t(locale, "composer.more")}
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">＋</span>
      </button>
      {open && (
        <div class="tools-menu" id="composer-tools">
          {tools.map((tool) => (
            <button
              key={tool.key}
              type="button"
              class="menu-item"
              onClick={() => {
                setOpen(false);
                tool.run();
              }}
            >
              <span aria-hidden="true">{tool.icon}</span> {tool.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
