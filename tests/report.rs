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
            "Fleet downtime per month",
            "downtime (node-hours)",
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
    assert!(headline < html.find("<h2>Nodes</h2>").expect("node table"));
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
