import { useEffect, useRef } from "react";

/**
 * An inline confirmation for an action that changes what every replica serves. Focus moves to it when it
 * opens and Escape cancels, so it works from the keyboard; it is part of the page (no modal layer to trap).
 */
export function Confirm({
  message,
  confirmLabel,
  onConfirm,
  onCancel,
  isBusy,
}: {
  message: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  isBusy?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div
      ref={ref}
      className="confirm"
      role="alertdialog"
      aria-label="Confirm"
      aria-describedby="confirm-message"
      tabIndex={-1}
      onKeyDown={(event) => {
        if (event.key === "Escape") onCancel();
      }}
    >
      <p id="confirm-message">{message}</p>
      <div className="actions">
        <button type="button" onClick={onConfirm} disabled={isBusy}>
          {confirmLabel}
        </button>
        <button type="button" className="secondary" onClick={onCancel} disabled={isBusy}>
          Cancel
        </button>
      </div>
    </div>
  );
}
