/** Shows the open dialog once its module has loaded; says so if it cannot load (offline). */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../../shared/i18n.ts";
import { LOADERS, type ModalProps } from "./modal.ts";

export function ModalHost(props: ModalProps & { onFailed: (text: string) => void }) {
  const { spec } = props;
  const [Dialog, setDialog] = useState<ComponentType<ModalProps> | null>(null);

  useEffect(() => {
    let live = true;
    setDialog(null);
    LOADERS[spec.kind]().then(
      (component) => live && setDialog(() => component),
      () => {
        if (!live) return;
        props.onFailed(t(props.locale, "modal.loadFailed"));
        props.onClose();
      },
    );
    return () => {
      live = false;
    };
  }, [spec]);

  if (!Dialog) {
    return <p class="visually-hidden" role="status">{t(props.locale, "common.loading")}</p>;
  }
  const { onFailed: _, ...rest } = props;
  return <Dialog {...rest} />;
}
