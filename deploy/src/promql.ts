import {
  Identifier,
  LabelMatchers,
  LabelName,
  MatchOp,
  parser,
  QuotedLabelMatcher,
  QuotedLabelName,
  StringLiteral,
  UnquotedLabelMatcher,
  VectorSelector,
} from "@prometheus-io/lezer-promql";

/**
 * The metric selectors of a PromQL expression, read from the syntax tree of the Prometheus project's own
 * grammar (`@prometheus-io/lezer-promql`, the parser behind the Prometheus UI's query editor): enough to
 * check that every series an alert or a panel reads is one the apps export. promtool (deploy/test)
 * remains the judge of full validity; this reads what the expression selects.
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

type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];

/** Grafana's built-in and dashboard variables, replaced by something PromQL accepts in their place. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, "5m")
    .replace(/\$\{[^}]+\}/g, "grafana_var")
    .replace(/\[\[[^\]]+\]\]/g, "grafana_var")
    .replace(/\$[a-zA-Z_][a-zA-Z0-9_]*/g, "grafana_var");
}

/**
 * The value of a PromQL string literal. PromQL quotes as Go does; JSON's escapes are the ones these files
 * use (`\\`, `\"`, `\n`, `\u...`), and a Go-only escape (`\a`, `\x..`) throws rather than being guessed at.
 */
function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  if (literal.startsWith("`")) return body;
  const asDoubleQuoted = literal.startsWith("'")
    ? body.replace(/\\'|"/g, (match) => (match === '"' ? '\\"' : "'"))
    : body;
  try {
    return JSON.parse(`"${asDoubleQuoted}"`) as string;
  } catch {
    throw new Error(`unsupported escape in PromQL string ${literal}`);
  }
}

/** Parses an expression (Grafana variables substituted); throws on the first syntax error. */
function parse(rawExpr: string): { expr: string; top: SyntaxNode } {
  const expr = substituteGrafanaVariables(rawExpr);
  const tree = parser.parse(expr);
  // lezer recovers from errors by inserting error nodes: any of them means the expression is not PromQL.
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) {
        throw new Error(`PromQL syntax error at offset ${node.from}: ${expr}`);
      }
    },
  });
  return { expr, top: tree.topNode };
}

export function extractSelectors(rawExpr: string): MetricSelector[] {
  const { expr, top } = parse(rawExpr);
  const text = (node: SyntaxNode | null) => (node ? expr.slice(node.from, node.to) : "");
  const selectors: MetricSelector[] = [];
  const cursor = top.cursor();
  do {
    if (cursor.type.id !== VectorSelector) continue;
    const selector = cursor.node;
    const block = selector.getChild(LabelMatchers);
    const matchers: LabelMatcher[] = [];
    // Prometheus 3's quoted metric name: {"metric.name", job="x"}.
    let name = text(selector.getChild(Identifier)) || undefined;
    for (const quotedName of block?.getChildren(QuotedLabelName) ?? []) {
      name = unquote(text(quotedName.getChild(StringLiteral)));
    }
    for (const matcher of [
      ...(block?.getChildren(UnquotedLabelMatcher) ?? []),
      ...(block?.getChildren(QuotedLabelMatcher) ?? []),
    ].sort((a, b) => a.from - b.from)) {
      const labelNode = matcher.getChild(LabelName);
      const label = labelNode
        ? text(labelNode)
        : unquote(text(matcher.getChild(QuotedLabelName)?.getChild(StringLiteral) ?? null));
      const op = text(matcher.getChild(MatchOp)) as LabelMatcher["op"];
      matchers.push({ label, op, value: unquote(text(matcher.getChild(StringLiteral))) });
    }
    name ??= matchers.find((m) => m.label === "__name__" && m.op === "=")?.value;
    // A selector without a metric name ({job="x"}, {__name__=~"..."}): no name to check.
    if (name !== undefined) selectors.push({ name, matchers });
  } while (cursor.next());
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
