//! The availability report: `index.html` (self-contained: inline SVG and CSS, no external
//! requests, readable on a phone), `report.md` (with the PNGs linked) and `metrics.json`.
//!
//! Order: headline numbers first (availability, nines, MTBF, MTTR, yearly downtime, for the
//! fleet and the system), then the breakdowns and plots, then the definitions used.

use std::fmt::Write as _;

use crate::analytics::Analysis;
use crate::analytics::breakdown::GroupRow;
use crate::analytics::metrics::Metrics;
use crate::units::{HumanDuration, HumanPercent, fixed};

/// A rendered plot: file name, title and SVG text.
pub struct Figure {
    /// File name without extension.
    pub name: String,
    /// Title.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// The definitions section, shared by both formats (Markdown, which the HTML shows as text).
const DEFINITIONS: [(&str, &str); 7] = [
    (
        "window",
        "the observation window [W0, W1); outages are clipped to it",
    ),
    ("failures", "outages that start inside the window"),
    (
        "availability",
        "uptime / T; nines = −log10(1 − availability)",
    ),
    ("MTBF", "T / failures (= MTTF + MTTR)"),
    ("MTTF", "uptime / failures"),
    ("MTTR", "downtime / failures"),
    ("downtime/year", "(1 − availability) × 365 days"),
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn duration(v: Option<f64>) -> String {
    v.map_or("–".to_string(), |s| HumanDuration(s).to_string())
}

fn headline(m: &Metrics) -> [(String, String); 5] {
    [
        (
            "availability".into(),
            HumanPercent(m.availability).to_string(),
        ),
        (
            "nines".into(),
            m.nines.map_or("∞".to_string(), |n| fixed(n, 2)),
        ),
        ("MTBF".into(), duration(m.mtbf_s)),
        ("MTTR".into(), duration(m.mttr_s)),
        (
            "downtime/year".into(),
            HumanDuration(m.annual_downtime_s).to_string(),
        ),
    ]
}

fn row_cells(name: &str, m: &Metrics) -> Vec<String> {
    vec![
        name.to_string(),
        m.failures.to_string(),
        HumanDuration(m.downtime_s).to_string(),
        HumanPercent(m.availability).to_string(),
        duration(m.mtbf_s),
        duration(m.mttr_s),
    ]
}

const COLUMNS: [&str; 6] = ["", "failures", "downtime", "availability", "MTBF", "MTTR"];

/// Makes an SVG scale to its container (plotters writes a fixed width and height).
fn responsive(svg: &str) -> String {
    svg.replacen(
        "<svg width=\"960\" height=\"540\"",
        "<svg viewBox=\"0 0 960 540\"",
        1,
    )
}

/// The self-contained HTML report.
pub fn html(
    title: &str,
    sources: &[String],
    analysis: &Analysis,
    months: &[GroupRow],
    figures: &[Figure],
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        escape(title),
        CSS,
        escape(title)
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} · window {} · {} nodes · system rule <code>{}</code></p>",
        escape(&sources.join(", ")),
        HumanDuration(analysis.window.seconds),
        analysis.fleet.as_ref().map_or(0, |f| f.nodes),
        escape(
            &analysis
                .system
                .as_ref()
                .map(|s| s.rule.to_string())
                .unwrap_or_default()
        )
    );
    let headline_rows: Vec<(String, &Metrics)> = analysis
        .fleet
        .iter()
        .map(|f| ("Fleet".to_string(), &f.metrics))
        .chain(
            analysis
                .system
                .iter()
                .map(|s| (format!("System ({})", s.rule), &s.metrics)),
        )
        .collect();
    for (label, metrics) in headline_rows {
        let _ = writeln!(h, "<h2>{}</h2>\n<div class=\"cards\">", escape(&label));
        for (name, value) in headline(metrics) {
            let _ = writeln!(
                h,
                "<div class=\"card\"><div class=\"value\">{}</div><div class=\"name\">{}</div></div>",
                escape(&value),
                escape(&name)
            );
        }
        h.push_str("</div>\n");
    }
    let table = |h: &mut String, caption: &str, rows: Vec<Vec<String>>| {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<div class=\"scroll\"><table>",
            escape(caption)
        );
        h.push_str("<tr>");
        for c in COLUMNS {
            let _ = write!(h, "<th>{}</th>", escape(c));
        }
        h.push_str("</tr>\n");
        for row in rows {
            h.push_str("<tr>");
            for cell in row {
                let _ = write!(h, "<td>{}</td>", escape(&cell));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table></div>\n");
    };
    table(
        &mut h,
        "Nodes",
        analysis
            .nodes
            .iter()
            .map(|n| row_cells(&n.node, &n.metrics))
            .collect(),
    );
    if !months.is_empty() {
        table(
            &mut h,
            "Months",
            months
                .iter()
                .map(|m| row_cells(&m.group, &m.metrics))
                .collect(),
        );
    }
    h.push_str("<h2>Plots</h2>\n");
    for f in figures {
        let _ = writeln!(
            h,
            "<figure>{}<figcaption>{}</figcaption></figure>",
            responsive(&f.svg),
            escape(&f.title)
        );
    }
    h.push_str("<h2>Definitions</h2>\n<dl>\n");
    for (term, meaning) in DEFINITIONS {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(term), escape(meaning));
    }
    h.push_str("</dl>\n");
    if !analysis.warnings.is_empty() {
        h.push_str("<h2>Warnings</h2>\n<ul>\n");
        for w in &analysis.warnings {
            let _ = writeln!(h, "<li>{}</li>", escape(w));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// The Markdown report, linking the PNG plots.
pub fn markdown(
    title: &str,
    sources: &[String],
    analysis: &Analysis,
    months: &[GroupRow],
    figures: &[Figure],
) -> String {
    let mut m = format!("# {title}\n\n");
    let _ = writeln!(
        m,
        "{} · window {} · {} nodes · system rule `{}`\n",
        sources.join(", "),
        HumanDuration(analysis.window.seconds),
        analysis.fleet.as_ref().map_or(0, |f| f.nodes),
        analysis
            .system
            .as_ref()
            .map(|s| s.rule.to_string())
            .unwrap_or_default()
    );
    m.push_str("| | availability | nines | MTBF | MTTR | downtime/year |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
    let headline_rows: Vec<(String, &Metrics)> = analysis
        .fleet
        .iter()
        .map(|f| ("fleet".to_string(), &f.metrics))
        .chain(
            analysis
                .system
                .iter()
                .map(|s| (format!("system ({})", s.rule), &s.metrics)),
        )
        .collect();
    for (label, metrics) in headline_rows {
        let cells: Vec<String> = headline(metrics).into_iter().map(|(_, v)| v).collect();
        let _ = writeln!(m, "| {label} | {} |", cells.join(" | "));
    }
    let table = |m: &mut String, caption: &str, rows: Vec<Vec<String>>| {
        let _ = writeln!(m, "\n## {caption}\n");
        let _ = writeln!(m, "| {} |", COLUMNS.join(" | "));
        let _ = writeln!(m, "| --- |{}", " ---: |".repeat(COLUMNS.len() - 1));
        for row in rows {
            let _ = writeln!(m, "| {} |", row.join(" | "));
        }
    };
    table(
        &mut m,
        "Nodes",
        analysis
            .nodes
            .iter()
            .map(|n| row_cells(&n.node, &n.metrics))
            .collect(),
    );
    if !months.is_empty() {
        table(
            &mut m,
            "Months",
            months
                .iter()
                .map(|g| row_cells(&g.group, &g.metrics))
                .collect(),
        );
    }
    m.push_str("\n## Plots\n\n");
    for f in figures {
        let _ = writeln!(m, "![{}](plots/{}.png)\n", f.title, f.name);
    }
    m.push_str("## Definitions\n\n");
    for (term, meaning) in DEFINITIONS {
        let _ = writeln!(m, "- **{term}**: {meaning}");
    }
    m
}

const CSS: &str = "body{margin:0;font-family:-apple-system,system-ui,'Segoe UI',sans-serif;\
color:#1d2733;background:#f7f8fa}main{max-width:1000px;margin:0 auto;padding:16px}\
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}.meta{color:#5a6776}\
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #dde2e8;\
border-radius:8px;padding:10px 14px;min-width:120px;flex:1}.value{font-size:1.4em;\
font-weight:600}.name{color:#5a6776;font-size:.9em}.scroll{overflow-x:auto}\
table{border-collapse:collapse;background:#fff;font-size:.9em;width:100%}\
th,td{border-bottom:1px solid #e6e9ee;padding:4px 8px;text-align:right;white-space:nowrap}\
th:first-child,td:first-child{text-align:left}figure{margin:16px 0;background:#fff;\
border:1px solid #dde2e8;border-radius:8px;padding:8px}figure svg{width:100%;height:auto}\
figcaption{color:#5a6776;font-size:.9em}dt{font-weight:600}dd{margin:0 0 8px 16px}";
