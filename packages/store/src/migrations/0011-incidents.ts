import type { Migration } from "./migration.ts";

/**
 * Incidents (@chainwatch/context incidents.ts): a transaction that belongs to one carries a
 * `part_of_incident` reason whose data names the incident. `incident_id` is that id, generated from the
 * reasons so every write path (the scored insert, a later correction) sets it without knowing about it,
 * indexed to list an incident's transactions. A correction only touches rows whose `incident_id` is still
 * null: the same correction delivered twice changes nothing the second time.
 */
export const incidentsMigration: Migration = {
  id: "0011_incidents",
  sql: `
ALTER TABLE predictions ADD COLUMN incident_id text GENERATED ALWAYS AS (
  jsonb_path_query_first(reasons, '$[*] ? (@.code == "part_of_incident").data.incidentId') #>> '{}'
) STORED;
ALTER TABLE anomalies ADD COLUMN incident_id text GENERATED ALWAYS AS (
  jsonb_path_query_first(reasons, '$[*] ? (@.code == "part_of_incident").data.incidentId') #>> '{}'
) STORED;
CREATE INDEX predictions_incident_id_idx ON predictions (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX anomalies_incident_id_idx ON anomalies (incident_id) WHERE incident_id IS NOT NULL;
`,
};
