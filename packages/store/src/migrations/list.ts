import { initialMigration } from "./0001-initial.ts";
import { authLockoutMigration } from "./0002-auth-lockout.ts";
import { modelRegistryMigration } from "./0003-model-registry.ts";
import { driftReportsMigration } from "./0004-drift-reports.ts";
import { loginFailuresMigration } from "./0005-login-failures.ts";
import { transactionContentMigration } from "./0006-transaction-content.ts";
import { riskVerdictMigration } from "./0007-risk-verdict.ts";
import { addressLabelsMigration } from "./0008-address-labels.ts";
import { reviewLoopMigration } from "./0009-review-loop.ts";
import { chainFollowerMigration } from "./0010-chain-follower.ts";
import { incidentsMigration } from "./0011-incidents.ts";
import { alertOutboxMigration } from "./0012-alert-outbox.ts";
import { chainMempoolMigration } from "./0013-chain-mempool.ts";
import { cheapChecksMigration } from "./0014-cheap-checks.ts";
import { correctionOutboxMigration } from "./0016-correction-outbox.ts";
import type { Migration } from "./migration.ts";

/** Every migration, in apply order. Append only: a released migration is never edited or reordered. */
export const migrations: readonly Migration[] = [
  initialMigration,
  authLockoutMigration,
  modelRegistryMigration,
  driftReportsMigration,
  loginFailuresMigration,
  transactionContentMigration,
  riskVerdictMigration,
  addressLabelsMigration,
  reviewLoopMigration,
  chainFollowerMigration,
  incidentsMigration,
  alertOutboxMigration,
  chainMempoolMigration,
  cheapChecksMigration,
  correctionOutboxMigration,
];
