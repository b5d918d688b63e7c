//! The report pages: `index.html` (self-contained: inline SVG and CSS, no external requests,
//! readable on a phone) and `report.md` (with the PNGs linked).
//!
//! Order, for an SRE who reads from the top and stops when they know enough:
//! 1. headline cards (fleet and system: availability, nines, MTBF, MTTR, yearly downtime; for
//!    units that are replaced, not repaired: units, failures, AFR, MTTF, Weibull shape);
//! 2. the per-group comparison (table and bars), the top offenders, the cause shares;
//! 3. month trends and the other plots;
//! 4. the full node and month tables, collapsed (`<details>`), listing only nodes that failed
//!    so that a 5,000-node fleet stays a small page (metrics.json has every node);
//! 5. definitions and warnings.

use std::fmt::Write as _;

use crate::analytics::breakdown::{Breakdown, GroupRow};
use crate::analytics::lifetimes::{LifetimeSummary, Lifetimes};
use crate::analytics::metrics::Metrics;
use crate::analytics::{Analysis, NodeRow};
use crate::trace::TimeKind;
use crate::trace::time::format_epoch;
use crate::units::{HumanDuration, HumanNines, HumanPercent, YEAR, three_significant};

use super::analysis::{
    GROUP_HEADERS, KIND_HEADERS, LIFETIME_HEADERS, duration, group_cells, independence_sentence,
    kind_cells, lifetime_cells, with_name,
};

/// A rendered plot: file name, title and SVG text.
pub struct Figure {
    /// File name without extension.
    pub name: String,
    /// Title.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// The breakdowns a report shows besides the analysis itself.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    /// Availability per group, when nodes have more than one group.
    pub groups: Vec<GroupRow>,
    /// Downtime per cause, when the trace names causes.
    pub causes: Vec<GroupRow>,
    /// Per calendar month, for dated traces.
    pub months: Vec<GroupRow>,
    /// The nodes with the most downtime, with their group.
    pub offenders: Vec<(NodeRow, String)>,
}

/// Everything one report page shows.
pub struct Page<'a> {
    /// The page title.
    pub title: &'a str,
    /// The trace files.
    pub sources: &'a [String],
    /// How the trace writes times.
    pub time_kind: TimeKind,
    /// The analysis.
    pub analysis: &'a Analysis,
    /// The breakdowns.
    pub sections: &'a Sections,
    /// The plots, each placed in its section by name.
    pub figures: &'a [Figure],
}

/// Groups listed in the comparison near the top (the worst first); a fleet with more gets the
/// full list among the collapsed tables at the end.
const GROUPS_SHOWN: usize = 25;

/// The line under a cut group table.
fn more_groups(total: usize) -> String {
    format!("The first {GROUPS_SHOWN} of {total} groups; all of them are under Full tables.")
}

/// Plots shown in a section of their own rather than among the other plots.
const PLACED: [&str; 4] = [
    "groups",
    "causes",
    "downtime-per-month",
    "availability-per-month",
];

/// The definitions section, shared by both formats.
const DEFINITIONS: [(&str, &str); 8] = [
    (
        "window",
        "the observation window [W0, W1); each node is observed only while in service \
         (installed to retired) inside it, and outages are clipped to that",
    ),
    (
        "failures",
        "outages that start inside a node's observed time",
    ),
    (
        "availability",
        "uptime / observed time; nines = −log10(1 − availability), 3 nines = 99.9 %",
    ),
    ("MTBF", "observed time / failures (= MTTF + MTTR)"),
    ("MTTF", "uptime / failures"),
    ("MTTR", "downtime / failures"),
    ("downtime/year", "(1 − availability) × 365 days"),
    (
        "system",
        "up while the redundancy rule holds for the nodes in service at that instant",
    ),
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn headline(m: &Metrics) -> Vec<(&'static str, String)> {
    vec![
        ("availability", HumanPercent(m.availability).to_string()),
        ("nines", HumanNines(m.nines).to_string()),
        ("MTBF", duration(m.mtbf_s)),
        ("MTTR", duration(m.mttr_s)),
        (
            "downtime/year",
            HumanDuration(m.annual_downtime_s).to_string(),
        ),
    ]
}

fn lifetime_headline(l: &LifetimeSummary) -> Vec<(&'static str, String)> {
    vec![
        ("units", l.units.to_string()),
        ("failed", l.failed.to_string()),
        (
            "AFR",
            l.afr.map_or("–".into(), |a| format!("{:.2} %", a * 100.0)),
        ),
        ("MTTF (exposure)", duration(l.mttf_s)),
        (
            "Weibull shape",
            l.weibull.map_or("–".into(), |w| three_significant(w.shape)),
        ),
    ]
}

/// A table: header and rows of cells, first column left-aligned.
struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

fn group_table(first: &'static str, groups: &[GroupRow]) -> Table {
    Table {
        header: with_name(GROUP_HEADERS, first).to_vec(),
        rows: groups.iter().map(group_cells).collect(),
    }
}

fn cause_table(first: &'static str, causes: &[GroupRow], window_s: f64) -> Table {
    Table {
        header: with_name(KIND_HEADERS, first).to_vec(),
        rows: causes.iter().map(|c| kind_cells(c, window_s)).collect(),
    }
}

fn offender_table(offenders: &[(NodeRow, String)]) -> Table {
    Table {
        header: vec![
            "node",
            "downtime",
            "availability",
            "failures",
            "MTTR",
            "group",
        ],
        rows: offenders
            .iter()
            .map(|(n, group)| {
                vec![
                    n.node.clone(),
                    HumanDuration(n.metrics.downtime_s).to_string(),
                    HumanPercent(n.metrics.availability).to_string(),
                    n.metrics.failures.to_string(),
                    duration(n.metrics.mttr_s),
                    group.clone(),
                ]
            })
            .collect(),
    }
}

/// The full node table: few columns, since a fleet has thousands of rows (metrics.json has
/// every figure).
fn node_table(nodes: &[&NodeRow]) -> Table {
    Table {
        header: vec!["node", "availability", "downtime", "failures", "MTTR"],
        rows: nodes
            .iter()
            .map(|n| {
                let m = &n.metrics;
                vec![
                    n.node.clone(),
                    HumanPercent(m.availability).to_string(),
                    HumanDuration(m.downtime_s).to_string(),
                    m.failures.to_string(),
                    duration(m.mttr_s),
                ]
            })
            .collect(),
    }
}

/// The lifetime table: all units, then the first `groups` groups (highest AFR first).
fn lifetime_table(l: &Lifetimes, groups: usize) -> Table {
    let mut rows = vec![lifetime_cells("all units", &l.fleet)];
    rows.extend(
        l.groups
            .iter()
            .take(groups)
            .map(|g| lifetime_cells(&g.group, &g.summary)),
    );
    Table {
        header: with_name(LIFETIME_HEADERS, "group").to_vec(),
        rows,
    }
}

/// The nodes with any failure or downtime, in trace order, and how many had none.
fn failed_nodes(analysis: &Analysis) -> (Vec<&NodeRow>, usize) {
    let failed: Vec<&NodeRow> = analysis
        .nodes
        .iter()
        .filter(|n| n.metrics.failures > 0 || n.metrics.downtime_s > 0.0)
        .collect();
    let quiet = analysis.nodes.len() - failed.len();
    (failed, quiet)
}

fn window_text(page: &Page<'_>) -> String {
    let w = &page.analysis.window;
    let at = |t: f64| match page.time_kind {
        TimeKind::Datetime => format!("{} UTC", format_epoch(t)),
        TimeKind::Number => format!("{t} s"),
    };
    format!(
        "{} .. {} ({})",
        at(w.start),
        at(w.end),
        HumanDuration(w.seconds)
    )
}

fn meta(page: &Page<'_>) -> String {
    let a = page.analysis;
    let mut text = format!("{} · window {}", page.sources.join(", "), window_text(page));
    if let (Some(fleet), Some(system)) = (&a.fleet, &a.system) {
        let _ = write!(
            text,
            " · {} nodes, {} of node time observed · system rule {}",
            fleet.nodes,
            HumanDuration(fleet.metrics.exposure_s),
            system.rule
        );
    }
    if let Some(l) = &a.lifetimes {
        let _ = write!(
            text,
            " · {} units, {} unit-years observed",
            l.fleet.units,
            three_significant(l.fleet.exposure_s / YEAR)
        );
    }
    text
}

/// Writes one section in either format.
trait Writer {
    fn heading(&mut self, text: &str);
    fn paragraph(&mut self, text: &str);
    fn cards(&mut self, label: &str, cards: &[(&'static str, String)]);
    fn table(&mut self, table: &Table);
    fn figure(&mut self, figure: &Figure);
    fn collapsed(&mut self, summary: &str, table: &Table, note: Option<&str>);
    fn definitions(&mut self, terms: &[(&str, &str)]);
    fn warnings(&mut self, warnings: &[String]);
}

/// The page's content, in order, through either writer.
fn compose(page: &Page<'_>, w: &mut impl Writer) {
    let a = page.analysis;
    let s = page.sections;
    let figure = |name: &str| page.figures.iter().find(|f| f.name == name);
    w.paragraph(&meta(page));
    if let (Some(fleet), Some(system)) = (&a.fleet, &a.system) {
        w.cards("Fleet", &headline(&fleet.metrics));
        w.cards(
            &format!("System ({})", system.rule),
            &headline(&system.metrics),
        );
        if let Some(i) = &system.independent {
            w.paragraph(&format!(
                "Correlated failures: {}. Availability with independent failures: {}.",
                independence_sentence(system, i),
                HumanPercent(i.independent_availability)
            ));
        }
    }
    if let Some(l) = &a.lifetimes {
        w.cards(
            "Units (replaced, not repaired)",
            &lifetime_headline(&l.fleet),
        );
        w.paragraph(
            "AFR = failures per unit-year observed; MTTF = unit-time observed per failure. \
             Most units are still working when observation stops (censored), so the mean life \
             of the failed ones alone would understate how long units last.",
        );
        w.heading("Groups");
        w.table(&lifetime_table(l, GROUPS_SHOWN));
        if l.groups.len() > GROUPS_SHOWN {
            w.paragraph(&more_groups(l.groups.len()));
        }
        if let Some(f) = figure("groups") {
            w.figure(f);
        }
    }
    if !s.groups.is_empty() {
        w.heading("Groups");
        let shown = &s.groups[..s.groups.len().min(GROUPS_SHOWN)];
        w.table(&group_table("group", shown));
        if s.groups.len() > GROUPS_SHOWN {
            w.paragraph(&more_groups(s.groups.len()));
        }
        if let Some(f) = figure("groups") {
            w.figure(f);
        }
    }
    if !s.offenders.is_empty() {
        w.heading(&format!("Top {} nodes by downtime", s.offenders.len()));
        w.table(&offender_table(&s.offenders));
    }
    if !s.causes.is_empty() {
        w.heading("Causes");
        w.table(&cause_table("cause", &s.causes, a.window.seconds));
        if let Some(f) = figure("causes") {
            w.figure(f);
        }
    }
    if !s.months.is_empty() {
        w.heading("Month by month");
        w.paragraph(
            "Each month's figures are over the nodes in service that month, so a growing \
             fleet does not show as a trend.",
        );
        for name in ["availability-per-month", "downtime-per-month"] {
            if let Some(f) = figure(name) {
                w.figure(f);
            }
        }
    }
    // `--by group`, `cause` and `month` have sections of their own, and `node` is the full
    // node table below; `fault` is shown here.
    if let (Some(Breakdown::Fault), Some(rows)) = (a.by, &a.groups) {
        w.heading("Fault classes");
        w.table(&cause_table("fault", rows, a.window.seconds));
    }
    let others: Vec<&Figure> = page
        .figures
        .iter()
        .filter(|f| !PLACED.contains(&f.name.as_str()))
        .collect();
    if !others.is_empty() {
        w.heading("Plots");
        for f in others {
            w.figure(f);
        }
    }
    let long_groups = s.groups.len() > GROUPS_SHOWN
        || a.lifetimes
            .as_ref()
            .is_some_and(|l| l.groups.len() > GROUPS_SHOWN);
    if !a.nodes.is_empty() || !s.months.is_empty() || long_groups {
        w.heading("Full tables");
    }
    if s.groups.len() > GROUPS_SHOWN {
        w.collapsed(
            &format!("Groups ({})", s.groups.len()),
            &group_table("group", &s.groups),
            None,
        );
    }
    if let Some(l) = a
        .lifetimes
        .as_ref()
        .filter(|l| l.groups.len() > GROUPS_SHOWN)
    {
        w.collapsed(
            &format!("Groups ({})", l.groups.len()),
            &lifetime_table(l, l.groups.len()),
            None,
        );
    }
    if !a.nodes.is_empty() {
        let (failed, quiet) = failed_nodes(a);
        let note = (quiet > 0).then(|| {
            format!(
                "{quiet} more node(s) had no failure and no downtime; metrics.json lists every \
                 node."
            )
        });
        w.collapsed(
            &format!("Nodes that failed ({})", failed.len()),
            &node_table(&failed),
            note.as_deref(),
        );
    }
    if !s.months.is_empty() {
        w.collapsed(
            &format!("Months ({})", s.months.len()),
            &group_table("month", &s.months),
            None,
        );
    }
    w.definitions(if a.lifetimes.is_some() {
        &LIFETIME_DEFINITIONS
    } else {
        &DEFINITIONS
    });
    w.warnings(&a.warnings);
}

/// The definitions of the lifetime report (units replaced rather than repaired).
const LIFETIME_DEFINITIONS: [(&str, &str); 7] = [
    (
        "age",
        "time since the unit's own start (installation or first record); a unit already in \
         service when observation began enters at the age it had then",
    ),
    (
        "censored",
        "still working when observation stopped (end of the data, removed, retired)",
    ),
    ("AFR", "failures per unit-year observed"),
    ("MTTF", "unit-time observed per failure"),
    (
        "mean failed life",
        "mean age at failure of the units that failed; it ignores the censored ones",
    ),
    (
        "Weibull",
        "S(t) = exp(−(t/scale)^shape), fitted by maximum likelihood with censoring; shape < 1: \
         failures become rarer with age, > 1: wear-out; 95 % intervals",
    ),
    (
        "Kaplan–Meier",
        "the fraction of units still working at each age, from the units at risk then",
    ),
];

/// Makes an SVG scale to its container: plotters writes a `viewBox` and a fixed width and
/// height; without the latter the page's CSS sizes the plot.
fn responsive(svg: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let end = svg[start..].find('>').map_or(svg.len(), |e| start + e);
    let mut tag = svg[start..end].to_string();
    for name in ["width", "height"] {
        let key = format!(" {name}=\"");
        if let Some(i) = tag.find(&key)
            && let Some(j) = tag[i + key.len()..].find('"')
        {
            tag.replace_range(i..i + key.len() + j + 1, "");
        }
    }
    format!("{}{}{}", &svg[..start], tag, &svg[end..])
}

struct Html(String);

impl Writer for Html {
    fn heading(&mut self, text: &str) {
        let _ = writeln!(self.0, "<h2>{}</h2>", escape(text));
    }

    fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.0, "<p class=\"meta\">{}</p>", escape(text));
    }

    fn cards(&mut self, label: &str, cards: &[(&'static str, String)]) {
        let _ = writeln!(self.0, "<h2>{}</h2>\n<div class=\"cards\">", escape(label));
        for (name, value) in cards {
            let _ = writeln!(
                self.0,
                "<div class=\"card\"><div class=\"value\">{}</div><div class=\"name\">{}</div></div>",
                escape(value),
                escape(name)
            );
        }
        self.0.push_str("</div>\n");
    }

    fn table(&mut self, table: &Table) {
        // End tags of cells and rows are optional in HTML; leaving them out keeps a
        // thousand-row table small.
        self.0.push_str("<div class=\"scroll\"><table>\n<tr>");
        for h in &table.header {
            let _ = write!(self.0, "<th>{}", escape(h));
        }
        self.0.push('\n');
        for row in &table.rows {
            self.0.push_str("<tr>");
            for cell in row {
                let _ = write!(self.0, "<td>{}", escape(cell));
            }
            self.0.push('\n');
        }
        self.0.push_str("</table></div>\n");
    }

    fn figure(&mut self, f: &Figure) {
        // The plot draws its own title; the label is for screen readers.
        let _ = writeln!(
            self.0,
            "<figure role=\"img\" aria-label=\"{}\">{}</figure>",
            escape(&f.title),
            responsive(&f.svg)
        );
    }

    fn collapsed(&mut self, summary: &str, table: &Table, note: Option<&str>) {
        let _ = writeln!(self.0, "<details><summary>{}</summary>", escape(summary));
        if let Some(note) = note {
            let _ = writeln!(self.0, "<p class=\"meta\">{}</p>", escape(note));
        }
        self.table(table);
        self.0.push_str("</details>\n");
    }

    fn definitions(&mut self, terms: &[(&str, &str)]) {
        self.0.push_str("<h2>Definitions</h2>\n<dl>\n");
        for (term, meaning) in terms {
            let _ = writeln!(
                self.0,
                "<dt>{}</dt><dd>{}</dd>",
                escape(term),
                escape(meaning)
            );
        }
        self.0.push_str("</dl>\n");
    }

    fn warnings(&mut self, warnings: &[String]) {
        if warnings.is_empty() {
            return;
        }
        self.0.push_str("<h2>Warnings</h2>\n<ul>\n");
        for w in warnings {
            let _ = writeln!(self.0, "<li>{}</li>", escape(w));
        }
        self.0.push_str("</ul>\n");
    }
}

/// The self-contained HTML report.
pub fn html(page: &Page<'_>) -> String {
    let mut h = Html(String::new());
    let _ = write!(
        h.0,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        escape(page.title),
        CSS,
        escape(page.title)
    );
    compose(page, &mut h);
    h.0.push_str("</main>\n</body>\n</html>\n");
    h.0
}

struct Markdown(String);

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

impl Writer for Markdown {
    fn heading(&mut self, text: &str) {
        let _ = writeln!(self.0, "\n## {text}\n");
    }

    fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.0, "{text}\n");
    }

    fn cards(&mut self, label: &str, cards: &[(&'static str, String)]) {
        let _ = writeln!(self.0, "\n## {label}\n");
        let names: Vec<&str> = cards.iter().map(|(n, _)| *n).collect();
        let values: Vec<String> = cards.iter().map(|(_, v)| md_cell(v)).collect();
        let _ = writeln!(self.0, "| {} |", names.join(" | "));
        let _ = writeln!(self.0, "|{}", " ---: |".repeat(cards.len()));
        let _ = writeln!(self.0, "| {} |\n", values.join(" | "));
    }

    fn table(&mut self, table: &Table) {
        let _ = writeln!(self.0, "| {} |", table.header.join(" | "));
        let _ = writeln!(
            self.0,
            "| --- |{}",
            " ---: |".repeat(table.header.len().saturating_sub(1))
        );
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
            let _ = writeln!(self.0, "| {} |", cells.join(" | "));
        }
        self.0.push('\n');
    }

    fn figure(&mut self, f: &Figure) {
        let _ = writeln!(self.0, "![{}](plots/{}.png)\n", f.title, f.name);
    }

    fn collapsed(&mut self, summary: &str, table: &Table, note: Option<&str>) {
        let _ = writeln!(self.0, "### {summary}\n");
        if let Some(note) = note {
            let _ = writeln!(self.0, "{note}\n");
        }
        self.table(table);
    }

    fn definitions(&mut self, terms: &[(&str, &str)]) {
        self.0.push_str("\n## Definitions\n\n");
        for (term, meaning) in terms {
            let _ = writeln!(self.0, "- **{term}**: {meaning}");
        }
    }

    fn warnings(&mut self, warnings: &[String]) {
        if warnings.is_empty() {
            return;
        }
        self.0.push_str("\n## Warnings\n\n");
        for w in warnings {
            let _ = writeln!(self.0, "- {w}");
        }
    }
}

/// The Markdown report, linking the PNG plots.
pub fn markdown(page: &Page<'_>) -> String {
    let mut m = Markdown(format!("# {}\n\n", page.title));
    compose(page, &mut m);
    m.0
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
figcaption{color:#5a6776;font-size:.9em}details{margin:12px 0}summary{cursor:pointer;\
font-weight:600}dt{font-weight:600}dd{margin:0 0 8px 16px}";
