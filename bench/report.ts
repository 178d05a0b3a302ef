/** One measured figure, with the baseline it is compared to and the target it should meet. */
export interface Row {
  bench: string;
  subject: string;
  metric: string;
  value: number;
  unit: string;
  /** The same metric for the baseline measured in the same run. */
  baseline?: { subject: string; value: number };
  /** `value / baseline.value`. */
  ratio?: number;
  target?: string;
  met?: boolean;
  note?: string;
}

export function row(fields: Omit<Row, 'ratio'>): Row {
  const ratio = fields.baseline && fields.baseline.value !== 0 ? fields.value / fields.baseline.value : undefined;
  return { ...fields, ...(ratio !== undefined ? { ratio: Math.round(ratio * 100) / 100 } : {}) };
}

export function markdown(rows: Row[], machine: Record<string, unknown>): string {
  const lines = [
    '# Gatehouse benchmarks',
    '',
    `Machine: ${Object.entries(machine)
      .map(([key, value]) => `${key} ${value}`)
      .join(', ')}.`,
    '',
    '| bench | subject | metric | value | baseline | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const baseline = r.baseline ? `${r.baseline.subject}: ${format(r.baseline.value)}` : '';
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    lines.push(
      `| ${r.bench} | ${r.subject} | ${r.metric} | ${format(r.value)} ${r.unit} | ${baseline} | ${r.ratio ?? ''} | ${r.target ?? ''} | ${met} |`,
    );
  }
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.bench} / ${r.subject}: ${r.note}`);
  return `${[...lines, '', ...notes].join('\n')}\n`;
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
