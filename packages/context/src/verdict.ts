import { formatQuantity, type Reason } from "./reasons.ts";

export const RISK_LEVELS = ["low", "medium", "high", "critical"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface Verdict {
  /** In [0, 1]; ranks transactions by evidence in context. 0.5 ≈ one in 400 under normal behaviour. */
  riskScore: number;
  riskLevel: RiskLevel;
  /** The combined verdict: riskScore ≥ the deployment's threshold. */
  isAnomaly: boolean;
  /** Strongest first: every reason with evidence ≥ 1 decade, then the informational ones. */
  reasons: Reason[];
}

/**
 * riskScore = E / (E + EVIDENCE_HALF): E decades of evidence; 2.6 decades (≈ 1 in 400) is 0.5, the default
 * threshold. Chosen on the contextual benchmark's normal traffic (docs/model.md): the evidence is a
 * conservative bound, so 2.6 decades flag about 0.4 % of normal transactions there, inside a 0.5 % budget.
 */
export const EVIDENCE_HALF = 2.6;
/** Level bands on riskScore: medium from 1.7 decades (0.4), high from 2.6 (0.5), critical from 3.9 (0.6). */
const LEVEL_FLOORS: readonly [RiskLevel, number][] = [
  ["critical", 0.6],
  ["high", 0.5],
  ["medium", 0.4],
];
export const DEFAULT_RISK_THRESHOLD = 0.5;
/** Evidence (decades) at which riskScore reaches the critical band: 3.9, about one in 8,000. */
export const CRITICAL_EVIDENCE = (EVIDENCE_HALF * 0.6) / (1 - 0.6);
const HIGH_FLOOR = 0.5;
const SHOWN_EVIDENCE = 1;
const MAX_REASONS = 6;

/**
 * One calibrated score from every signal. Each reason's surprise is −log10 of how likely its observation
 * is under normal behaviour (a p-value in decades); the evidence E = log10(1 + Σ(10^s − 1)) adds the
 * likelihood ratios, so one strong signal dominates, several moderate ones add up, and none gives 0. It is
 * a Bonferroni-style union bound: conservative when signals are correlated (a burst is also a fan-out).
 */
export function combineVerdict(
  reasons: readonly Reason[],
  threshold = DEFAULT_RISK_THRESHOLD,
  options: { atLeast?: "high" } = {},
): Verdict {
  let sum = 0;
  for (const reason of reasons)
    if (reason.surprise > 0 && !reason.suppressed) sum += 10 ** Math.min(reason.surprise, 300) - 1;
  const evidence = Math.log10(1 + sum);
  let riskScore = evidence / (evidence + EVIDENCE_HALF);
  // A deny label: flagged and at least high whatever the threshold, the evidence of the rest still ranks it.
  if (options.atLeast === "high") riskScore = Math.max(riskScore, HIGH_FLOOR);
  const riskLevel = levelOf(riskScore);
  const counted = reasons.filter((reason) => !reason.suppressed);
  const shown = counted
    .filter((reason) => reason.surprise >= SHOWN_EVIDENCE || reason.kind === "label")
    .sort((a, b) => b.surprise - a.surprise);
  const informational = counted.filter((reason) => reason.surprise === 0 && reason.kind !== "label");
  const suppressed = reasons.filter((reason) => reason.suppressed && reason.surprise >= SHOWN_EVIDENCE);
  return {
    riskScore,
    riskLevel,
    isAnomaly: riskScore >= threshold || options.atLeast === "high",
    reasons: [...shown, ...informational].slice(0, MAX_REASONS).concat(suppressed.slice(0, MAX_REASONS)),
  };
}

const levelOf = (riskScore: number): RiskLevel =>
  LEVEL_FLOORS.find(([, floor]) => riskScore >= floor)?.[0] ?? "low";

/** riskScore and level of one piece of evidence alone (decades). */
export function scoreOfEvidence(evidence: number): { riskScore: number; riskLevel: RiskLevel } {
  const riskScore = evidence > 0 ? evidence / (evidence + EVIDENCE_HALF) : 0;
  return { riskScore, riskLevel: levelOf(riskScore) };
}

/**
 * A transaction joining an incident keeps its own reasons and takes the incident's evidence as a floor:
 * riskScore = max(its own, the incident's alone). Not added to its own evidence: the trigger's signal
 * already counts the member (a burst counts every transaction in it), so summing would count it twice.
 * The stored-row correction (the store's applyIncidentCorrections) applies the same rule.
 */
export function joinIncident(
  verdict: Verdict,
  incident: Reason,
  threshold = DEFAULT_RISK_THRESHOLD,
): Verdict {
  const riskScore = Math.max(verdict.riskScore, scoreOfEvidence(incident.surprise).riskScore);
  return {
    riskScore,
    riskLevel: levelOf(riskScore),
    isAnomaly: verdict.isAnomaly || riskScore >= threshold,
    reasons: [incident, ...verdict.reasons.filter((reason) => reason.code !== "part_of_incident")],
  };
}

/** The model's evidence as a reason: its score's tail share among the training transactions. */
export function modelReason(prediction: {
  modelVersion: string;
  anomalyScore: number;
  tailProbability: number;
  explanation: readonly { reason: string }[];
}): Reason {
  const surprise = Math.min(12, -Math.log10(Math.max(prediction.tailProbability, 1e-12)));
  const top = prediction.explanation[0]?.reason;
  return {
    kind: "model",
    code: "model_outlier",
    message: `model ${prediction.modelVersion} scores it ${formatQuantity(prediction.anomalyScore)}, above ${formatQuantity(100 * (1 - prediction.tailProbability))} % of its training transactions${top ? `; ${top}` : ""}`,
    surprise,
    data: {
      anomalyScore: prediction.anomalyScore,
      trainingTailShare: prediction.tailProbability,
      modelVersion: prediction.modelVersion,
    },
  };
}
