/**
 * Prometheus text exposition (version 0.0.4) of Linekey's state, served as `GET /metrics` on
 * the loopback HTTP listener of the JSON-RPC: what an administrator graphs and alerts on.
 */

/** One gauge or counter sample set. */
export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter";
  readonly samples: readonly { readonly labels?: Readonly<Record<string, string>>; readonly value: number }[];
}

function labelText(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return "";
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** Renders metrics in the Prometheus text format. */
export function formatMetrics(metrics: readonly Metric[]): string {
  const out: string[] = [];
  for (const m of metrics) {
    out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) out.push(`${m.name}${labelText(s.labels)} ${s.value}`);
  }
  return `${out.join("\n")}\n`;
}
