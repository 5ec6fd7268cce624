/**
 * Finds the metric selectors in a PromQL expression, without a full parser: enough to check that every
 * series an alert or a panel reads is one the apps export. Handles functions and aggregations, `by`/
 * `without`/`on`/`ignoring`/`group_*` label lists, label matchers, range and subquery brackets, `offset`,
 * numbers, durations, strings, and Grafana variables (`$__rate_interval`, `${var}`, `[[var]]`).
 */

export interface LabelMatcher {
  label: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

export interface MetricSelector {
  name: string;
  matchers: LabelMatcher[];
}

const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "inf",
  "nan",
]);
/** Keywords followed by a parenthesised list of label names, not an expression. */
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

const isIdentStart = (c: string) => /[a-zA-Z_:]/.test(c);
const isIdentPart = (c: string) => /[a-zA-Z0-9_:]/.test(c);

/** Grafana's built-in and dashboard variables, replaced by something PromQL accepts in their place. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, "5m")
    .replace(/\$\{[^}]+\}/g, "grafana_var")
    .replace(/\[\[[^\]]+\]\]/g, "grafana_var")
    .replace(/\$[a-zA-Z_][a-zA-Z0-9_]*/g, "grafana_var");
}

function readString(expr: string, start: number): { value: string; end: number } {
  const quote = expr[start];
  let value = "";
  let i = start + 1;
  while (i < expr.length && expr[i] !== quote) {
    if (expr[i] === "\\" && quote !== "`") {
      value += expr[i + 1] ?? "";
      i += 2;
    } else {
      value += expr[i];
      i += 1;
    }
  }
  if (i >= expr.length) throw new Error(`unterminated string in PromQL: ${expr}`);
  return { value, end: i + 1 };
}

/** Index just past the bracket that closes the one at `start`, skipping strings. */
function skipBalanced(expr: string, start: number, open: string, close: string): number {
  let depth = 0;
  let i = start;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (c === '"' || c === "'" || c === "`") {
      i = readString(expr, i).end;
      continue;
    }
    if (c === open) depth += 1;
    if (c === close) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  throw new Error(`unbalanced ${open}${close} in PromQL: ${expr}`);
}

function parseMatchers(block: string): LabelMatcher[] {
  const matchers: LabelMatcher[] = [];
  let i = 0;
  while (i < block.length) {
    const c = block[i] as string;
    if (/[\s,]/.test(c)) {
      i += 1;
      continue;
    }
    const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(block.slice(i))?.[0];
    if (!label) throw new Error(`bad label matcher in {${block}}`);
    i += label.length;
    while (/\s/.test(block[i] ?? "")) i += 1;
    const op = /^(=~|!~|!=|=)/.exec(block.slice(i))?.[0] as LabelMatcher["op"] | undefined;
    if (!op) throw new Error(`bad label matcher operator in {${block}}`);
    i += op.length;
    while (/\s/.test(block[i] ?? "")) i += 1;
    const { value, end } = readString(block, i);
    matchers.push({ label, op, value });
    i = end;
  }
  return matchers;
}

export function extractSelectors(rawExpr: string): MetricSelector[] {
  const expr = substituteGrafanaVariables(rawExpr);
  const selectors: MetricSelector[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (c === '"' || c === "'" || c === "`") {
      i = readString(expr, i).end;
    } else if (c === "[") {
      i = skipBalanced(expr, i, "[", "]");
    } else if (c === "#") {
      while (i < expr.length && expr[i] !== "\n") i += 1;
    } else if (c === "{") {
      // A selector without a metric name ({job="x"}): no name to check.
      i = skipBalanced(expr, i, "{", "}");
    } else if (/[0-9.]/.test(c)) {
      // Numbers (1, 0.95, 1e3, 0x1f) and durations (5m, 1h30m).
      i += 1;
      while (i < expr.length && /[0-9a-zA-Z_.]/.test(expr[i] as string)) {
        if (/[eE]/.test(expr[i] as string) && /[+-]/.test(expr[i + 1] ?? "")) i += 1;
        i += 1;
      }
    } else if (isIdentStart(c)) {
      let end = i;
      while (end < expr.length && isIdentPart(expr[end] as string)) end += 1;
      const word = expr.slice(i, end);
      let next = end;
      while (/\s/.test(expr[next] ?? "")) next += 1;
      const lower = word.toLowerCase();
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        i = expr[next] === "(" ? skipBalanced(expr, next, "(", ")") : end;
      } else if (KEYWORDS.has(lower)) {
        i = end;
      } else if (expr[next] === "(" || /^(by|without)\s*\(/i.test(expr.slice(next))) {
        // A function or an aggregation (`sum by (x) (...)` too): its arguments are scanned as the loop goes on.
        i = next;
      } else if (expr[next] === "{") {
        const close = skipBalanced(expr, next, "{", "}");
        selectors.push({ name: word, matchers: parseMatchers(expr.slice(next + 1, close - 1)) });
        i = close;
      } else {
        selectors.push({ name: word, matchers: [] });
        i = end;
      }
    } else {
      i += 1;
    }
  }
  return selectors;
}

/**
 * The jobs a selector is restricted to by a `job` matcher: one for `job="x"`, several for a plain
 * alternation `job=~"a|b"`; undefined when it is not restricted (or by a regex we do not expand).
 */
export function jobsOf(selector: MetricSelector): string[] | undefined {
  const matcher = selector.matchers.find((m) => m.label === "job");
  if (!matcher) return undefined;
  if (matcher.op === "=") return [matcher.value];
  if (matcher.op === "=~" && /^[a-zA-Z0-9_-]+(\|[a-zA-Z0-9_-]+)*$/.test(matcher.value)) {
    return matcher.value.split("|");
  }
  return undefined;
}
