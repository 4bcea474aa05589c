/**
 * An invite link to hand out: the address (copied with one click, or selected for copying by
 * hand where the clipboard is not available) and its QR code as an image to show or print.
 */
import { useRef, useState } from "preact/hooks";
import { encode } from "uqr";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";

/**
 * The QR code of `text` as an SVG document. Only numbers computed here go into it (never the
 * text), so it is safe to use as an image source.
 */
export function qrSvg(text: string): string {
  const { data, size } = encode(text, { ecc: "M", border: 4 });
  let path = "";
  data.forEach((row, y) => {
    let x = 0;
    while (x < size) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && row[x]) x++;
      path += `M${start} ${y}h${x - start}v1h-${x - start}z`;
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" ` +
    `shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/>` +
    `<path d="${path}" fill="#000"/></svg>`;
}

/** The QR code of `text` as a data: URL (the page's CSP allows data: images). */
export function qrDataUrl(text: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qrSvg(text))}`;
}

export interface InviteLinkProps {
  locale: Locale;
  /** Unique on the page: ids of the controls derive from it. */
  id: string;
  url: string;
  /** What the link grants, for the QR image's description. */
  summary: string;
  live: boolean;
}

export function InviteLink({ locale, id, url, summary, live }: InviteLinkProps) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"copied" | "selected" | null>(null);
  const qr = qrDataUrl(url);

  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      setCopied("copied");
    } catch {
      // No clipboard here (an insecure origin, or permission refused): select it for Ctrl+C.
      input.current?.focus();
      input.current?.select();
      setCopied("selected");
    }
  }

  return (
    <div class="invite-link">
      <div class="invite-link-text">
        <label for={`${id}-url`}>{t(locale, "invites.link")}</label>
        <div class="invite-copy-row">
          <input
            ref={input}
            id={`${id}-url`}
            class="invite-url"
            type="url"
            readOnly
            value={url}
            onFocus={(e) => (e.target as HTMLInputElement).select()}
          />
          <button type="button" disabled={!live} onClick={copy}>
            {t(locale, "invites.copy")}
          </button>
        </div>
        <p class="invite-copy-status" role="status" aria-live="polite">
          {copied === "copied" && t(locale, "invites.copied")}
          {copied === "selected" && t(locale, "invites.selected")}
        </p>
        <p class="hint">{t(locale, "invites.shareHint")}</p>
      </div>
      <figure class="invite-qr">
        <img
          class="qr"
          src={qr}
          width={176}
          height={176}
          alt={t(locale, "invites.qrAlt", { summary })}
        />
        <figcaption>
          <a href={qr} download="parta-invite-qr.svg">{t(locale, "invites.qrDownload")}</a>
        </figcaption>
      </figure>
    </div>
  );
}
