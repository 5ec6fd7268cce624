export {
  type AddressState,
  applyObservation,
  type ContextSnapshot,
  type EpisodeMember,
  emptyAddressState,
  type GlobalState,
  INCIDENT_PARAMETERS,
  type IncidentMarker,
  type IncidentOpening,
  type IncidentSide,
  type Observation,
  type ObserveReply,
  STATE_PARAMETERS,
  type ViewlessReply,
} from "./address-state.ts";
export {
  AMOUNT_PRIORS,
  isUnusualAmount,
  predictAmount,
  UNUSUAL_AMOUNT_Z,
} from "./amount-model.ts";
export { contextFeatureRecord, contextFeatureValues, writeSpec2Features } from "./context-features.ts";
export {
  type ContextScorer,
  type ContextScorerOptions,
  createContextScorer,
  type ObservedBatch,
  toObservation,
} from "./context-scorer.ts";
export { CONTEXT_PRIORS, type ContextView, viewContext } from "./context-view.ts";
export {
  type ContextEnv,
  contextEnvFragment,
  createAddressStateFromEnv,
  type OpenedContext,
  openContextFromEnv,
  type ScreeningEnv,
  screeningEnvFragment,
} from "./env.ts";
export {
  episodeBefore,
  groupIncidents,
  INCIDENT_MIN_SURPRISE,
  type IncidentCandidate,
  type IncidentGrouping,
  type IncidentMembership,
} from "./incidents.ts";
export { createMemoryStateStore, type MemoryStateStoreOptions } from "./memory-state-store.ts";
export { REASON_CODES, type Reason, type ReasonCode, type ReasonKind } from "./reasons.ts";
export {
  addressStatePrefix,
  createRedisStateStore,
  type RedisStateStoreOptions,
  readAddressState,
} from "./redis-state-store.ts";
export { applyLabels, DENY_LABEL_SURPRISE } from "./screening/label-reasons.ts";
export { rescreenVerdict } from "./screening/rescreen.ts";
export {
  createScreeningSet,
  type ListKind,
  type Screening,
  type ScreeningEntry,
  type ScreeningHit,
  type ScreeningSet,
  type ScreeningSetOptions,
  type ScreeningSnapshot,
  type SuppressionEntry,
  type SuppressionHit,
} from "./screening/screening-set.ts";
export { binomialSurprise, contextReasons, countSurprise, normalTailSurprise } from "./signals.ts";
export type { AddressStateStore } from "./state-store.ts";
export {
  type Spec2Row,
  type Spec2RowCounts,
  type Spec2RowsOptions,
  streamSpec2Rows,
} from "./training/spec-2-rows.ts";
export { type TrainSpec2Options, type TrainSpec2Result, trainSpec2Model } from "./training/train-spec-2.ts";
export {
  CRITICAL_EVIDENCE,
  combineVerdict,
  DEFAULT_RISK_THRESHOLD,
  joinIncident,
  modelReason,
  RISK_LEVELS,
  type RiskLevel,
  scoreOfEvidence,
  type Verdict,
} from "./verdict.ts";
