//! Tests of `faultline report` and the plots: every file is written, each plot is a valid SVG
//! and PNG of the expected size, and the SVGs carry their titles and axis labels.

mod common;

use std::path::Path;

use common::{fixture, ok};
use faultline::report::plot::{PNG_SCALE, SIZE};

/// The size of every PNG: the plots' logical size at the PNG scale.
const PNG: (u32, u32) = (SIZE.0 * PNG_SCALE, SIZE.1 * PNG_SCALE);

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("png");
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is a PNG",
        path.display()
    );
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (word(16), word(20))
}

#[test]
fn the_report_holds_every_file_and_plot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    let said = ok(&[
        "report",
        &fixture("analyze/basic-datetime.csv"),
        "--population",
        "4",
        "--window",
        "2024-01-01 00:01:40,2024-01-01T00:18:20Z",
        "--out",
        &out,
        "--quiet",
    ]);
    assert!(said.contains("index.html"), "{said}");
    for file in ["index.html", "report.md", "metrics.json"] {
        assert!(dir.path().join(file).exists(), "{file}");
    }
    let expected = [
        (
            "timeline",
            "Availability timeline",
            "time (UTC) on 2024-01-01",
        ),
        (
            "downtime-per-month",
            "Downtime per node in service, by month",
            "hours down per node in service",
        ),
        (
            "availability-per-month",
            "Fleet availability per month",
            "availability (nines: 3 = 99.90 %)",
        ),
        (
            "time-to-repair-histogram",
            "Time to repair: histogram",
            "count per bin",
        ),
        (
            "time-to-repair-cdf",
            "Time to repair: empirical CDF",
            "fraction at most x",
        ),
    ];
    for (name, title, axis) in expected {
        let svg = std::fs::read_to_string(dir.path().join(format!("plots/{name}.svg")))
            .unwrap_or_else(|_| panic!("{name}.svg"));
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}"
        );
        assert!(svg.contains(title), "{name}: title");
        assert!(svg.contains(axis), "{name}: axis label");
        assert_eq!(png_size(&dir.path().join(format!("plots/{name}.png"))), PNG);
    }
    let html = std::fs::read_to_string(dir.path().join("index.html")).expect("html");
    assert!(html.contains("<meta name=\"viewport\""));
    // No external requests: nothing is loaded by URL (the SVG namespace is a name, not a fetch).
    for fetch in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "<link",
        "<script",
    ] {
        assert!(!html.contains(fetch), "no external requests: found {fetch}");
    }
    assert!(html.contains("Availability timeline"));
    // Headline numbers first: the fleet's availability appears before the node table.
    let headline = html.find("93.50 %").expect("fleet availability");
    let nodes = html.find("<details><summary>Nodes that failed (3)</summary>");
    assert!(headline < nodes.expect("node table"));
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("md");
    assert!(md.contains("![Availability timeline](plots/timeline.png)"));
    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("metrics.json")).expect("json"),
    )
    .expect("valid json");
    assert_eq!(metrics["fleet"]["nodes"], 4);
}

#[test]
fn replay_and_sweep_write_their_plots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let replay = dir.path().join("replay");
    ok(&[
        "replay",
        "--protocol",
        "heartbeat",
        "--nodes",
        "5",
        "--trace",
        &fixture("replay/faults.csv"),
        "--out",
        &replay.display().to_string(),
        "--quiet",
    ]);
    for (name, title, axis) in [
        (
            "latency",
            "heartbeat: detection latency percentiles",
            "detection latency (ms)",
        ),
        ("messages", "Messages sent by type", "message type"),
    ] {
        let svg = std::fs::read_to_string(replay.join(format!("plots/{name}.svg"))).expect("svg");
        assert!(svg.contains(title) && svg.contains(axis), "{name}");
        assert_eq!(png_size(&replay.join(format!("plots/{name}.png"))), PNG);
    }
    let sweep = dir.path().join("sweep");
    ok(&[
        "sweep",
        "--timeouts",
        "1.1s,1.5s",
        "--duration",
        "10m",
        "--seeds",
        "1",
        "--out",
        &sweep.display().to_string(),
        "-q",
    ]);
    let svg = std::fs::read_to_string(sweep.join("plots/sweep-tradeoff.svg")).expect("svg");
    assert!(svg.contains("mean detection time T_D (s)") && svg.contains("1.1s"));
    assert!(sweep.join("plots/sweep-availability.png").exists());
    assert!(sweep.join("sweep.json").exists());
}

/// The page's sections in reading order: headline cards, groups, offenders, causes, month
/// trends, plots, then the collapsed full tables and the definitions.
#[test]
fn a_fleet_report_leads_with_groups_offenders_and_causes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    // `--by` is one of the options `report` shares with `analyze`.
    ok(&[
        "report",
        &fixture("import/lanl.csv"),
        "--by",
        "group",
        "--out",
        &out,
        "--quiet",
    ]);
    let html = std::fs::read_to_string(dir.path().join("index.html")).expect("html");
    let at = |text: &str| {
        html.find(text)
            .unwrap_or_else(|| panic!("the page has no `{text}`"))
    };
    let order = [
        "<h2>Fleet</h2>",
        "<h2>System (all)</h2>",
        "<h2>Groups</h2>",
        // 5 of the 8 nodes failed (fixtures/README.md, import/lanl.csv).
        "<h2>Top 5 nodes by downtime</h2>",
        "<h2>Causes</h2>",
        "<h2>Month by month</h2>",
        "<h2>Plots</h2>",
        "<details><summary>Nodes that failed (5)</summary>",
        "3 more node(s) had no failure and no downtime",
        "<details><summary>Months (10)</summary>",
        "<h2>Definitions</h2>",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{} before {}", pair[0], pair[1]);
    }
    // Groups by downtime: system 20 (13 h), then 2 (2 h); the worst node first.
    assert!(at("<tr><td>20<td>99.95 %<td>3.3 nines<td>13 h") < at("<tr><td>2<td>99.98 %"));
    assert!(
        html.contains("<tr><td>20-1<td>8 h<td>99.89 %<td>1<td>8 h<td>20"),
        "offenders"
    );
    // Software: 8 of the fleet's 17 hours of downtime.
    assert!(
        html.contains("<tr><td>Software<td>47.1 %<td>8 h<td>1"),
        "causes"
    );
    // February 2004: system 2 is not in production yet, so 6 nodes are in service.
    assert!(
        html.contains("<tr><td>2004-02<td>100 %<td>∞ nines<td>0 s<td>0.0 %<td>0<td>6<td>"),
        "months"
    );
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("md");
    assert!(md.contains("![Availability per group, worst first](plots/groups.png)"));
}

#[test]
fn a_report_of_replaced_units_shows_lifetimes_not_availability() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    ok(&[
        "report",
        &fixture("lifetimes/backblaze-small.csv"),
        "--out",
        &out,
        "--quiet",
    ]);
    let html = std::fs::read_to_string(dir.path().join("index.html")).expect("html");
    assert!(html.contains("<h1>Lifetime report</h1>"));
    assert!(html.contains("<h2>Units (replaced, not repaired)</h2>"));
    // fixtures/lifetimes/README.md: 14 drives, 7 failed, AFR 98.14 % a unit-year.
    assert!(html.contains("<div class=\"value\">98.14 %</div><div class=\"name\">AFR</div>"));
    assert!(!html.contains("<div class=\"name\">availability</div>"));
    assert!(!html.contains("<h2>Fleet</h2>"));
    for plot in ["groups", "survival"] {
        assert!(
            dir.path().join(format!("plots/{plot}.svg")).exists(),
            "{plot}"
        );
    }
    assert!(html.contains("Survival by age"));
}
