import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MONITORING = join(ROOT, 'deploy/monitoring');

/** The promtool that `scripts/setup.sh --with-promtool` built (its version is read from there). */
function promtoolPath(): string {
  const setup = readFileSync(join(ROOT, 'scripts/setup.sh'), 'utf8');
  const version = /^PROMTOOL_VERSION=(\S+)/m.exec(setup)?.[1];
  if (version === undefined) throw new Error('scripts/setup.sh sets no PROMTOOL_VERSION');
  const tools = process.env['GROUPIDENTIFY_TOOLS'] ?? join(homedir(), '.cache/groupidentify/bin');
  const bin = join(tools, `promtool-${version}`);
  if (!existsSync(bin))
    throw new Error(`no promtool: run scripts/setup.sh --with-promtool (expected ${bin})`);
  return bin;
}

/** Runs promtool; a non-zero exit fails with everything it printed. */
function promtool(...args: string[]): string {
  const run = spawnSync(promtoolPath(), args, { cwd: ROOT, encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  if (run.error !== undefined) throw run.error;
  if (run.status !== 0) throw new Error(`promtool ${args.join(' ')} failed:\n${output}`);
  return output;
}

/** Every metric the two apps define, from their `new Counter/Gauge/Histogram({ name: … })`. */
function definedMetrics(): { names: Set<string>; histograms: Set<string> } {
  const names = new Set<string>();
  const histograms = new Set<string>();
  for (const file of ['apps/ingest/src/metrics.ts', 'apps/worker/src/worker-metrics.ts']) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    const found = [...source.matchAll(/new (Counter|Gauge|Histogram)\(\{\s*name: '(gi_\w+)'/g)];
    // Every `name: 'gi_…'` must have been seen with its type, or the check would be blind to it.
    expect(found.length, file).toBe(source.match(/name: 'gi_/g)?.length);
    for (const [, type, name = ''] of found) {
      names.add(name);
      if (type === 'Histogram') histograms.add(name);
    }
  }
  return { names, histograms };
}

/** A name the apps export: a defined metric, a histogram's series, `up`, or prom-client's own. */
function isKnownMetric(name: string, defined: ReturnType<typeof definedMetrics>): boolean {
  if (defined.names.has(name) || name === 'up') return true;
  if (/^(process|nodejs)_\w+$/.test(name)) return true;
  const base = /^(\w+)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && defined.histograms.has(base);
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: what is left once strings, label matchers, ranges,
 * `by (…)`-style label lists, numbers, durations and Grafana variables are removed, and names
 * followed by `(` (functions, aggregations) and operator words are skipped.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\$\w+/g, ' ')
    .replace(/\b\d[\w.]*/g, ' ');
  return [...bare.matchAll(/(?<![\w:])[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()/g)]
    .map((m) => m[0])
    .filter((name) => !PROMQL_WORDS.has(name.toLowerCase()));
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  type: string;
  id: number;
  title: string;
  datasource?: { uid?: string };
  targets?: { refId: string; expr?: string; datasource?: { uid?: string } }[];
}
interface Dashboard {
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: string }[] };
  panels: Panel[];
}
interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

const alertsFile = 'deploy/monitoring/alerts.yaml';
const alertRules = (
  parse(readFileSync(join(ROOT, alertsFile), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(
  readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8'),
) as Dashboard;
const graphPanels = dashboard.panels.filter((p) => p.type !== 'row');
const panelTargets = graphPanels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p, refId: t.refId, expr: t.expr ?? '' })),
);

describe('deploy/monitoring alert rules (promtool)', () => {
  it('are valid rules for `promtool check rules`', () => {
    expect(promtool('check', 'rules', alertsFile)).toContain('SUCCESS: 6 rules found');
  });

  it('pass their unit tests (`promtool test rules`)', () => {
    expect(promtool('test', 'rules', 'deploy/monitoring/alerts.test.yaml')).toContain('SUCCESS');
  });

  it('cover backlog age, freshness, dead letters, erasures, 5xx and down apps', () => {
    expect(alertRules.map((r) => r.alert).sort()).toStrictEqual([
      'GroupIdentifyAppDown',
      'GroupIdentifyBacklogTooOld',
      'GroupIdentifyDeadLetters',
      'GroupIdentifyErasureDeadLettered',
      'GroupIdentifyFreshnessP99High',
      'GroupIdentifyIngest5xx',
    ]);
  });

  it('each have a for:, a severity, a summary and a description', () => {
    for (const rule of alertRules) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.['severity']);
      expect(rule.annotations?.['summary'], rule.alert).toBeTruthy();
      expect(rule.annotations?.['description'], rule.alert).toBeTruthy();
    }
  });

  it('each have a unit test that fires them and one that expects silence', () => {
    const tests = (
      parse(readFileSync(join(MONITORING, 'alerts.test.yaml'), 'utf8')) as { tests: RuleTest[] }
    ).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const rule of alertRules) {
      const cases = tests.filter((t) => t.alertname === rule.alert);
      expect(
        cases.some((t) => (t.exp_alerts ?? []).length > 0),
        rule.alert,
      ).toBe(true);
      expect(
        cases.some((t) => (t.exp_alerts ?? []).length === 0),
        rule.alert,
      ).toBe(true);
    }
  });
});

describe('deploy/monitoring/grafana-dashboard.json', () => {
  it('picks its Prometheus data source from a `datasource` variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of graphPanels) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      for (const target of panel.targets ?? [])
        expect(target.datasource?.uid, panel.title).toBe('${datasource}');
    }
  });

  it('has a query in every panel, and each one parses as PromQL (`promtool check rules`)', () => {
    for (const panel of graphPanels) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    // Grafana's range variables become plain durations, then every query is a recording rule.
    const rules = panelTargets.map((t) => ({
      record: `dashboard:panel_${t.panel.id}_${t.refId}`,
      expr: t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h'),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'gi-dashboard-'));
    try {
      const file = join(dir, 'dashboard-rules.yaml');
      // JSON is YAML: promtool reads it as a rule file.
      writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      expect(promtool('check', 'rules', file)).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metric names in the dashboard and the alerts', () => {
  const defined = definedMetrics();

  it('are read from the apps’ sources, histograms included', () => {
    expect(defined.names).toContain('gi_partition_oldest_job_age_seconds');
    expect(defined.histograms).toContain('gi_worker_lag_seconds');
  });

  it('are found in PromQL, and a name the apps do not export is caught', () => {
    const expr = 'sum by (le) (rate(gi_nope_bucket{job=~"a.*"}[5m])) / 2e3 > bool up offset 1m';
    expect(metricNames(expr)).toStrictEqual(['gi_nope_bucket', 'up']);
    expect(isKnownMetric('gi_nope_bucket', defined)).toBe(false);
    expect(isKnownMetric('gi_backlog_jobs_bucket', defined)).toBe(false); // a gauge has no buckets
    expect(isKnownMetric('gi_worker_lag_seconds_bucket', defined)).toBe(true);
  });

  it('all exist in apps/ingest/src/metrics.ts or apps/worker/src/worker-metrics.ts', () => {
    const used = [
      ...panelTargets.map((t) => ({ where: `panel “${t.panel.title}”`, expr: t.expr })),
      ...alertRules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
    ];
    const unknown = used.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !isKnownMetric(name, defined))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toStrictEqual([]);
    // Not vacuous: every query names at least one metric.
    for (const { where, expr } of used) expect(metricNames(expr).length, where).toBeGreaterThan(0);
  });
});
