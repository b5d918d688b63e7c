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

use crate::analytics::Analysis;
use crate::analytics::metrics::Metrics;
use crate::output::json_pretty;
use crate::trace::TimeKind;
use crate::trace::time::format_epoch;
use crate::units::{HumanDuration, HumanPercent, fixed, unsigned_zero};

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
            "md" | "markdown" => Ok(Format::Md),
            _ => Err(format!("unknown format `{s}`; use table, json, csv or md")),
        }
    }
}

/// Writes the analysis in `format`.
pub fn render(analysis: &Analysis, format: Format, out: &mut impl Write) -> io::Result<()> {
    match format {
        Format::Json => out.write_all(&json_pretty(analysis)?),
        Format::Csv => write_csv(analysis, out),
        Format::Table => out.write_all(human(analysis, false).as_bytes()),
        Format::Md => out.write_all(human(analysis, true).as_bytes()),
    }
}

/// One printed row: what it describes, its name, and its figures.
struct Row<'a> {
    scope: &'static str,
    name: String,
    nodes: Option<u64>,
    metrics: &'a Metrics,
}

fn rows(analysis: &Analysis) -> Vec<Row<'_>> {
    let mut rows: Vec<Row<'_>> = analysis
        .nodes
        .iter()
        .map(|n| Row {
            scope: "node",
            name: n.node.clone(),
            nodes: Some(1),
            metrics: &n.metrics,
        })
        .collect();
    rows.extend(analysis.groups.iter().flatten().map(|g| Row {
        scope: "group",
        name: g.group.clone(),
        nodes: Some(g.nodes),
        metrics: &g.metrics,
    }));
    rows.push(Row {
        scope: "fleet",
        name: "fleet".to_string(),
        nodes: Some(analysis.fleet.nodes),
        metrics: &analysis.fleet.metrics,
    });
    rows.push(Row {
        scope: "system",
        name: format!("system ({})", analysis.system.rule),
        nodes: Some(analysis.fleet.nodes),
        metrics: &analysis.system.metrics,
    });
    rows
}

fn write_csv(analysis: &Analysis, out: &mut impl Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "scope",
        "name",
        "nodes",
        "failures",
        "uptime_s",
        "downtime_s",
        "availability",
        "nines",
        "mtbf_s",
        "mttf_s",
        "mttr_s",
        "annual_downtime_s",
    ])?;
    let number = |v: f64| unsigned_zero(v).to_string();
    let opt = |v: Option<f64>| v.map(number).unwrap_or_default();
    for row in rows(analysis) {
        let m = row.metrics;
        let name = if row.scope == "system" {
            analysis.system.rule.to_string()
        } else {
            row.name
        };
        writer.write_record([
            row.scope.to_string(),
            name,
            row.nodes.map(|n| n.to_string()).unwrap_or_default(),
            m.failures.to_string(),
            number(m.uptime_s),
            number(m.downtime_s),
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

fn cells(name: &str, m: &Metrics) -> Vec<String> {
    let duration = |v: Option<f64>| v.map_or("-".to_string(), |s| HumanDuration(s).to_string());
    vec![
        name.to_string(),
        m.failures.to_string(),
        HumanDuration(m.downtime_s).to_string(),
        HumanPercent(m.availability).to_string(),
        m.nines
            .map_or("-".to_string(), |n| format!("{} nines", fixed(n, 1))),
        duration(m.mtbf_s),
        duration(m.mttf_s),
        duration(m.mttr_s),
        HumanDuration(m.annual_downtime_s).to_string(),
    ]
}

/// Lays out rows as an aligned text table (numbers right-aligned) or a Markdown table.
fn table(header_name: &str, body: &[Vec<String>], markdown: bool, text: &mut String) {
    let mut header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    header[0] = header_name.to_string();
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

fn time_text(analysis: &Analysis, seconds: f64) -> String {
    match analysis.time_kind {
        TimeKind::Datetime => format_epoch(seconds),
        TimeKind::Number => format!("{seconds} s"),
    }
}

fn human(analysis: &Analysis, markdown: bool) -> String {
    let mut text = String::new();
    let w = &analysis.window;
    if markdown {
        text.push_str("# Availability\n\n");
    }
    let _ = writeln!(
        text,
        "window: {} .. {} ({}); {} nodes; system rule `{}`",
        time_text(analysis, w.start),
        time_text(analysis, w.end),
        HumanDuration(w.seconds),
        analysis.fleet.nodes,
        analysis.system.rule,
    );
    text.push('\n');
    if markdown {
        text.push_str("## Nodes\n\n");
    }
    let node_rows: Vec<Vec<String>> = analysis
        .nodes
        .iter()
        .map(|n| cells(&n.node, &n.metrics))
        .collect();
    let mut summary = vec![
        cells("fleet", &analysis.fleet.metrics),
        cells(
            &format!("system ({})", analysis.system.rule),
            &analysis.system.metrics,
        ),
    ];
    if markdown {
        table("node", &node_rows, true, &mut text);
        text.push_str("\n## Fleet and system\n\n");
        table("", &summary, true, &mut text);
    } else {
        let mut body = node_rows;
        body.append(&mut summary);
        table("node", &body, false, &mut text);
    }
    if let Some(groups) = &analysis.groups {
        text.push('\n');
        if markdown {
            text.push_str("## Breakdown\n\n");
        }
        let body: Vec<Vec<String>> = groups.iter().map(|g| cells(&g.group, &g.metrics)).collect();
        table("group", &body, markdown, &mut text);
    }
    if let Some(l) = &analysis.lifetimes {
        text.push('\n');
        if markdown {
            text.push_str("## Lifetimes (non-repairable)\n\n");
        }
        let duration = |v: Option<f64>| v.map_or("-".to_string(), |s| HumanDuration(s).to_string());
        let _ = writeln!(
            text,
            "lifetimes: {} units, {} failed, {} censored; MTTF {}; Kaplan–Meier mean life {} \
             (restricted to {}, survival there {})",
            l.units,
            l.failed,
            l.censored,
            duration(l.mttf_s),
            duration(l.km_mean_life_s),
            duration(l.km_horizon_s),
            l.km_survival_at_horizon
                .map_or("-".to_string(), |s| format!("{} %", fixed(s * 100.0, 1))),
        );
    }
    if markdown && !analysis.warnings.is_empty() {
        text.push('\n');
        for warning in &analysis.warnings {
            let _ = writeln!(text, "> warning: {warning}");
        }
    }
    text
}
