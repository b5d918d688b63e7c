//! Rendering an [`Analysis`] as an aligned table, JSON, CSV or Markdown.
//!
//! - `table` and `md` are for people: human units (`3.65 d`, `99.95 %`, `4.2 nines`), a `-` for a
//!   figure that does not exist (MTBF with no failures, nines at 100 %);
//! - `json` and `csv` are for programs: plain seconds and ratios, null (JSON) or empty (CSV) for
//!   figures that do not exist. JSON keys are those of DESIGN.md.
//!
//! No format prints `-0`: the nines of 0 % availability come out of `-log10(1)` as `-0.0`, which
//! every format shows as zero.
//!
//! Warnings are part of JSON (`"warnings"`) and Markdown; with `table` and `csv` the command
//! prints them on standard error so that standard output stays the result alone.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::str::FromStr;

use crate::analytics::breakdown::{Breakdown, GroupRow};
use crate::analytics::lifetimes::{LifetimeSummary, Lifetimes};
use crate::analytics::metrics::Metrics;
use crate::analytics::system_expr::SystemExpr;
use crate::analytics::system_expr::independence::Independence;
use crate::analytics::{Analysis, SystemRow};
use crate::output::json_pretty;
use crate::trace::TimeKind;
use crate::trace::time::format_epoch;
use crate::units::{
    HumanDuration, HumanNines, HumanPercent, YEAR, three_significant, unsigned_zero,
};

/// An output format of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned text with human units.
    #[default]
    Table,
    /// JSON with the keys of DESIGN.md.
    Json,
    /// One CSV row per node, group, fleet and system.
    Csv,
    /// The CSV's rows as a Parquet file.
    Parquet,
    /// Markdown tables.
    Md,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            "md" | "markdown" => Ok(Format::Md),
            _ => Err(format!(
                "unknown format `{s}`; use table, json, csv, parquet or md"
            )),
        }
    }
}

/// Writes the analysis in `format`.
pub fn render(
    analysis: &Analysis,
    format: Format,
    show: Show,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Json => out.write_all(&json_pretty(analysis)?),
        Format::Csv => write_csv(analysis, show, out),
        Format::Parquet => {
            let mut csv = Vec::new();
            write_csv(analysis, show, &mut csv)?;
            out.write_all(&super::parquet_table::from_csv(&csv)?)
        }
        Format::Table => out.write_all(human(analysis, show).as_bytes()),
        Format::Md => out.write_all(
            human(
                analysis,
                Show {
                    markdown: true,
                    ..show
                },
            )
            .as_bytes(),
        ),
    }
}

/// One printed row: what it describes, its name, and its figures.
struct Row<'a> {
    scope: &'a str,
    name: String,
    nodes: Option<u64>,
    share: Option<f64>,
    metrics: &'a Metrics,
}

/// The CSV's rows: nodes (not with a breakdown, unless `show.nodes`), the breakdown's rows
/// (their scope is the breakdown: `cause`, `month`, ...), the fleet and the system.
fn rows(analysis: &Analysis, show: Show) -> Vec<Row<'_>> {
    let with_nodes = analysis.groups.is_none() || show.nodes;
    let mut rows: Vec<Row<'_>> = analysis
        .nodes
        .iter()
        .filter(|_| with_nodes)
        .map(|n| Row {
            scope: "node",
            name: n.node.clone(),
            nodes: Some(1),
            share: None,
            metrics: &n.metrics,
        })
        .collect();
    let scope = analysis.by.map_or("group", Breakdown::name);
    rows.extend(analysis.groups.iter().flatten().map(|g| Row {
        scope,
        name: g.group.clone(),
        nodes: Some(g.nodes),
        share: g.share_of_downtime,
        metrics: &g.metrics,
    }));
    if let Some(fleet) = &analysis.fleet {
        rows.push(Row {
            scope: "fleet",
            name: "fleet".to_string(),
            nodes: Some(fleet.nodes),
            share: None,
            metrics: &fleet.metrics,
        });
    }
    if let Some(system) = &analysis.system {
        rows.push(Row {
            scope: "system",
            name: system.rule.to_string(),
            nodes: analysis.fleet.as_ref().map(|f| f.nodes),
            share: None,
            metrics: &system.metrics,
        });
    }
    rows
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| unsigned_zero(v).to_string()).unwrap_or_default()
}

fn write_csv(analysis: &Analysis, show: Show, out: &mut impl Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    if let Some(l) = &analysis.lifetimes {
        writer.write_record([
            "scope",
            "name",
            "units",
            "failed",
            "censored",
            "exposure_s",
            "afr",
            "mttf_s",
            "mean_failed_life_s",
            "weibull_shape",
            "weibull_scale_s",
        ])?;
        let fleet = std::iter::once(("fleet", "fleet", &l.fleet));
        let groups = l
            .groups
            .iter()
            .map(|g| ("group", g.group.as_str(), &g.summary));
        for (scope, name, s) in fleet.chain(groups) {
            writer.write_record([
                scope.to_string(),
                name.to_string(),
                s.units.to_string(),
                s.failed.to_string(),
                s.censored.to_string(),
                s.exposure_s.to_string(),
                opt(s.afr),
                opt(s.mttf_s),
                opt(s.mean_failed_life_s),
                opt(s.weibull.map(|w| w.shape)),
                opt(s.weibull.map(|w| w.scale_s)),
            ])?;
        }
        return writer.flush();
    }
    writer.write_record([
        "scope",
        "name",
        "nodes",
        "exposure_s",
        "failures",
        "uptime_s",
        "downtime_s",
        "share_of_downtime",
        "availability",
        "nines",
        "mtbf_s",
        "mttf_s",
        "mttr_s",
        "annual_downtime_s",
    ])?;
    let number = |v: f64| unsigned_zero(v).to_string();
    for row in rows(analysis, show) {
        let m = row.metrics;
        writer.write_record([
            row.scope.to_string(),
            row.name,
            row.nodes.map(|n| n.to_string()).unwrap_or_default(),
            m.exposure_s.to_string(),
            m.failures.to_string(),
            number(m.uptime_s),
            number(m.downtime_s),
            opt(row.share),
            number(m.availability),
            opt(m.nines),
            opt(m.mtbf_s),
            opt(m.mttf_s),
            opt(m.mttr_s),
            number(m.annual_downtime_s),
        ])?;
    }
    writer.flush()
}

pub(crate) fn duration(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |s| HumanDuration(s).to_string())
}

pub(crate) fn percent(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |s| format!("{:.1} %", s * 100.0))
}

const HEADERS: [&str; 9] = [
    "",
    "failures",
    "downtime",
    "availability",
    "nines",
    "MTBF",
    "MTTF",
    "MTTR",
    "downtime/year",
];

/// Expressions longer than this are named in the window line only, not in the system row, so
/// that they do not widen the node table's first column.
const LABEL_CHARS: usize = 24;

/// The system row's name: `system (RULE)`, or `system` for a long expression.
pub(crate) fn system_label(rule: &SystemExpr) -> String {
    let text = rule.to_string();
    match rule {
        SystemExpr::Expr(_) if text.chars().count() > LABEL_CHARS => "system".to_string(),
        _ => format!("system ({text})"),
    }
}

/// The row under the system's: the same expression with independent node failures. Failures
/// and the means have no independent counterpart, so they are `-`.
fn independent_cells(i: &Independence) -> Vec<String> {
    vec![
        "if independent".to_string(),
        "-".to_string(),
        HumanDuration(i.independent_downtime_s).to_string(),
        HumanPercent(i.independent_availability).to_string(),
        HumanNines(i.independent_nines).to_string(),
        "-".to_string(),
        "-".to_string(),
        "-".to_string(),
        HumanDuration((1.0 - i.independent_availability) * YEAR).to_string(),
    ]
}

/// What correlated failures cost: the trace's system downtime against the downtime the same
/// expression would have if nodes failed independently with their measured availabilities.
pub(crate) fn independence_sentence(system: &SystemRow, i: &Independence) -> String {
    const IF: &str = "if nodes failed independently at their measured availabilities";
    let real = system.metrics.downtime_s;
    match (real > 0.0, i.downtime_ratio) {
        (true, Some(ratio)) => format!(
            "the system was down {} in the trace; {IF} it would be down {}: the trace's \
             downtime is {}× that",
            HumanDuration(real),
            HumanDuration(i.independent_downtime_s),
            three_significant(ratio)
        ),
        (false, Some(_)) => format!(
            "the system was never down in the trace; {IF} it would be down {}",
            HumanDuration(i.independent_downtime_s)
        ),
        (true, None) => format!(
            "the system was down {} in the trace; {IF} it would never be down",
            HumanDuration(real)
        ),
        (false, None) => format!("the system was never down in the trace, nor would it be {IF}"),
    }
}

fn cells(name: &str, m: &Metrics) -> Vec<String> {
    vec![
        name.to_string(),
        m.failures.to_string(),
        HumanDuration(m.downtime_s).to_string(),
        HumanPercent(m.availability).to_string(),
        HumanNines(m.nines).to_string(),
        duration(m.mtbf_s),
        duration(m.mttf_s),
        duration(m.mttr_s),
        HumanDuration(m.annual_downtime_s).to_string(),
    ]
}

/// Columns of a breakdown by group, node or month: slices of the fleet with their own nodes.
/// Availability first: on a phone the table scrolls sideways, and what a reader compares
/// groups by should be on screen.
pub(crate) const GROUP_HEADERS: [&str; 9] = [
    "",
    "availability",
    "nines",
    "downtime",
    "share",
    "failures",
    "nodes",
    "MTBF",
    "MTTR",
];

pub(crate) fn group_cells(g: &GroupRow) -> Vec<String> {
    let m = &g.metrics;
    vec![
        g.group.clone(),
        HumanPercent(m.availability).to_string(),
        HumanNines(m.nines).to_string(),
        HumanDuration(m.downtime_s).to_string(),
        percent(g.share_of_downtime),
        m.failures.to_string(),
        g.nodes.to_string(),
        duration(m.mtbf_s),
        duration(m.mttr_s),
    ]
}

/// Columns of a breakdown by fault or cause: kinds of outage over the whole fleet, where what
/// matters is how much downtime each causes and how often it strikes somewhere in the fleet.
pub(crate) const KIND_HEADERS: [&str; 7] = [
    "",
    "share",
    "downtime",
    "failures",
    "one every",
    "MTTR",
    "availability lost",
];

pub(crate) fn kind_cells(g: &GroupRow, window_s: f64) -> Vec<String> {
    let m = &g.metrics;
    let every = (m.failures > 0).then(|| window_s / m.failures as f64);
    vec![
        g.group.clone(),
        percent(g.share_of_downtime),
        HumanDuration(m.downtime_s).to_string(),
        m.failures.to_string(),
        duration(every),
        duration(m.mttr_s),
        format!(
            "{} %",
            three_significant((1.0 - m.availability) * 100.0 + 0.0)
        ),
    ]
}

/// Lays out rows as an aligned text table (numbers right-aligned) or a Markdown table.
fn table(header: &[&str], body: &[Vec<String>], markdown: bool, text: &mut String) {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            std::iter::once(&header)
                .chain(body)
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |row: &[String], text: &mut String| {
        let padded: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                if c == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        if markdown {
            let _ = writeln!(text, "| {} |", padded.join(" | "));
        } else {
            let _ = writeln!(text, "{}", padded.join("  ").trim_end());
        }
    };
    line(&header, text);
    if markdown {
        let rule: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(c, &w)| {
                let dashes = "-".repeat(w.max(3) - 1);
                if c == 0 {
                    format!("{dashes}-")
                } else {
                    format!("{dashes}:")
                }
            })
            .collect();
        let _ = writeln!(text, "| {} |", rule.join(" | "));
    }
    for row in body {
        line(row, text);
    }
}

pub(crate) fn with_name<const N: usize>(
    headers: [&'static str; N],
    name: &'static str,
) -> [&'static str; N] {
    let mut headers = headers;
    headers[0] = name;
    headers
}

fn time_text(analysis: &Analysis, seconds: f64) -> String {
    match analysis.time_kind {
        TimeKind::Datetime => format!("{} UTC", format_epoch(seconds)),
        TimeKind::Number => format!("{seconds} s"),
    }
}

/// What the human-readable output shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Show {
    /// Markdown instead of aligned text.
    pub markdown: bool,
    /// The node table even with a breakdown.
    pub nodes: bool,
}

fn human(analysis: &Analysis, show: Show) -> String {
    let markdown = show.markdown;
    let mut text = String::new();
    let w = &analysis.window;
    if markdown {
        text.push_str(if analysis.lifetimes.is_some() {
            "# Lifetimes\n\n"
        } else {
            "# Availability\n\n"
        });
    }
    let _ = write!(
        text,
        "window: {} .. {} ({})",
        time_text(analysis, w.start),
        time_text(analysis, w.end),
        HumanDuration(w.seconds),
    );
    if let (Some(fleet), Some(system)) = (&analysis.fleet, &analysis.system) {
        let _ = writeln!(
            text,
            "; {} nodes, {} of node time observed; system rule `{}`",
            fleet.nodes,
            HumanDuration(fleet.metrics.exposure_s),
            system.rule,
        );
    } else {
        text.push('\n');
    }
    text.push('\n');
    if let Some(l) = &analysis.lifetimes {
        lifetimes(l, markdown, &mut text);
    }
    let mut summary: Vec<Vec<String>> = analysis
        .fleet
        .iter()
        .map(|f| cells("fleet", &f.metrics))
        .chain(
            analysis
                .system
                .iter()
                .map(|s| cells(&system_label(&s.rule), &s.metrics)),
        )
        .collect();
    let independent = analysis
        .system
        .as_ref()
        .and_then(|s| s.independent.map(|i| (s, i)));
    if let Some((_, i)) = independent {
        summary.push(independent_cells(&i));
    }
    let node_rows: Vec<Vec<String>> = if analysis.groups.is_none() || show.nodes {
        analysis
            .nodes
            .iter()
            .map(|n| cells(&n.node, &n.metrics))
            .collect()
    } else {
        Vec::new()
    };
    if !summary.is_empty() {
        if markdown {
            if !node_rows.is_empty() {
                text.push_str("## Nodes\n\n");
                table(&with_name(HEADERS, "node"), &node_rows, true, &mut text);
                text.push('\n');
            }
            text.push_str("## Fleet and system\n\n");
            table(&HEADERS, &summary, true, &mut text);
        } else {
            let mut body = node_rows;
            body.extend(summary);
            table(&with_name(HEADERS, "node"), &body, false, &mut text);
        }
    }
    if let Some((system, i)) = independent {
        let _ = writeln!(text, "\n{}", independence_sentence(system, &i));
    }
    if let Some(groups) = &analysis.groups {
        text.push('\n');
        if markdown {
            text.push_str("## Breakdown\n\n");
        }
        if matches!(analysis.by, Some(Breakdown::Fault | Breakdown::Cause)) {
            let body: Vec<Vec<String>> = groups.iter().map(|g| kind_cells(g, w.seconds)).collect();
            let name = analysis.by.map_or("kind", Breakdown::name);
            table(&with_name(KIND_HEADERS, name), &body, markdown, &mut text);
        } else {
            let body: Vec<Vec<String>> = groups.iter().map(group_cells).collect();
            table(
                &with_name(GROUP_HEADERS, analysis.by.map_or("group", Breakdown::name)),
                &body,
                markdown,
                &mut text,
            );
        }
    }
    if markdown && !analysis.warnings.is_empty() {
        text.push('\n');
        for warning in &analysis.warnings {
            let _ = writeln!(text, "> warning: {warning}");
        }
    }
    text
}

/// Columns of the lifetime table.
pub(crate) const LIFETIME_HEADERS: [&str; 10] = [
    "",
    "AFR",
    "AFR 95 % CI",
    "MTTF",
    "units",
    "failed",
    "unit-years",
    "Weibull shape (95 % CI)",
    "Weibull scale (95 % CI)",
    "mean failed life",
];

pub(crate) fn lifetime_cells(name: &str, s: &LifetimeSummary) -> Vec<String> {
    let (shape, scale) = match &s.weibull {
        Some(w) => (
            format!(
                "{} ({}–{})",
                three_significant(w.shape),
                three_significant(w.shape_ci[0]),
                three_significant(w.shape_ci[1])
            ),
            format!(
                "{} ({}–{})",
                HumanDuration(w.scale_s),
                HumanDuration(w.scale_ci_s[0]),
                HumanDuration(w.scale_ci_s[1])
            ),
        ),
        None => ("-".to_string(), "-".to_string()),
    };
    vec![
        name.to_string(),
        s.afr
            .map_or("-".to_string(), |a| format!("{:.2} %", a * 100.0)),
        s.afr_ci.map_or("-".to_string(), |[lo, hi]| {
            format!("{:.2}–{:.2} %", lo * 100.0, hi * 100.0)
        }),
        duration(s.mttf_s),
        s.units.to_string(),
        s.failed.to_string(),
        three_significant(s.exposure_s / YEAR),
        shape,
        scale,
        duration(s.mean_failed_life_s),
    ]
}

fn lifetimes(l: &Lifetimes, markdown: bool, text: &mut String) {
    let mut body = vec![lifetime_cells("all units", &l.fleet)];
    body.extend(
        l.groups
            .iter()
            .map(|g| lifetime_cells(&g.group, &g.summary)),
    );
    table(&with_name(LIFETIME_HEADERS, "group"), &body, markdown, text);
    let _ = writeln!(
        text,
        "\nAFR = failures per unit-year observed; MTTF = unit-time observed per failure; \
         mean failed life ignores the {} units still working (censored)",
        l.fleet.censored
    );
}
