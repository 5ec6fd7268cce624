import type { ReactElement } from "react";

/**
 * A labelled control, tied by id rather than by nesting: a select nested in its label would take the selected
 * option into its accessible name ("Review not reviewed"), which screen readers then read twice.
 */
export function Field({ id, label, children }: { id: string; label: string; children: ReactElement }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}
