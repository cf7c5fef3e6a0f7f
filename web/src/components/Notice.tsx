/** An error or information line; errors are announced by screen readers (role="alert"). */
import type { ComponentChildren } from "preact";
import { Icon } from "./Icons";

export function Notice({
  kind = "error",
  children,
  onDismiss,
}: {
  kind?: "error" | "info";
  children: ComponentChildren;
  onDismiss?: () => void;
}) {
  return (
    <div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      <span>{children}</span>
      {onDismiss && (
        <button type="button" class="icon-button" aria-label="Dismiss" onClick={onDismiss}>
          <Icon name="close" />
        </button>
      )}
    </div>
  );
}
