/** A picture from a chat at full size, with its name and a download link. */
import { useState } from "preact/hooks";
import { t } from "../../../shared/i18n.ts";
import { formatSize } from "../../../shared/chat_view.ts";
import type { ModalProps } from "../modal.ts";
import type { FileView } from "../../../shared/chat_view.ts";
import { Modal } from "./Modal.tsx";

export function ImageViewer(props: ModalProps<{ kind: "image"; file: FileView }>) {
  const { locale, spec } = props;
  const { file } = spec;
  const [failed, setFailed] = useState(false);
  const src = `/api/v1/files/${encodeURIComponent(file.id)}`;
  return (
    <Modal
      locale={locale}
      id="image-title"
      title={file.name}
      class="image-viewer"
      onClose={props.onClose}
    >
      <div class="image-stage">
        {failed ? <p class="alert alert-error" role="alert">{t(locale, "file.gone")}</p> : (
          <img
            src={src}
            alt={file.name}
            width={file.width}
            height={file.height}
            onError={() => setFailed(true)}
          />
        )}
      </div>
      <p class="image-foot">
        <span class="muted">{formatSize(locale, file.size)}</span>
        <a href={src} download={file.name}>{t(locale, "file.save")}</a>
      </p>
    </Modal>
  );
}
