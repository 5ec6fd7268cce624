import { type FormEvent, useState } from "react";
import { Field } from "../components/field.tsx";
import { DEFAULT_EXPLORER, isPattern, loadExplorer, saveExplorer } from "../explorer.ts";

/** Settings of this browser (nothing here reaches the gateway): the block explorer links. */
export function SettingsPage() {
  const [patterns, setPatterns] = useState(loadExplorer);
  const [saved, setSaved] = useState(false);
  const isValid = isPattern(patterns.transaction, "{hash}") && isPattern(patterns.address, "{address}");
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!isValid) return;
    saveExplorer(patterns);
    setSaved(true);
  };
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <h2>Block explorer</h2>
      <p className="hint">
        Links from transactions and addresses open here. <code>{"{hash}"}</code> and{" "}
        <code>{"{address}"}</code> are replaced; http(s) only. Kept in this browser.
      </p>
      <form className="stack" onSubmit={onSubmit}>
        <Field id="explorer-tx" label="Transaction link">
          <input
            id="explorer-tx"
            value={patterns.transaction}
            aria-invalid={!isPattern(patterns.transaction, "{hash}")}
            onChange={(e) => {
              setSaved(false);
              setPatterns({ ...patterns, transaction: e.target.value });
            }}
          />
        </Field>
        <Field id="explorer-address" label="Address link">
          <input
            id="explorer-address"
            value={patterns.address}
            aria-invalid={!isPattern(patterns.address, "{address}")}
            onChange={(e) => {
              setSaved(false);
              setPatterns({ ...patterns, address: e.target.value });
            }}
          />
        </Field>
        <div className="actions">
          <button type="submit" disabled={!isValid}>
            Save
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setPatterns(DEFAULT_EXPLORER);
              setSaved(false);
            }}
          >
            Reset to Etherscan
          </button>
        </div>
        <p role="status">
          {saved ? "Saved." : isValid ? "" : "Each link needs its placeholder and an http(s) URL."}
        </p>
      </form>
    </section>
  );
}
