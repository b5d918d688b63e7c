//! End-to-end tests of the importers on small fixtures in the public layouts, and (when
//! `../shared/traces-real/` is present) on the real files, against the reference figures of
//! that folder's README.

mod common;

use std::path::PathBuf;

use common::{close, fixture, golden, json, node, ok, root};
use serde_json::Value;

const HOUR: f64 = 3600.0;
const DAY: f64 = 86400.0;

#[test]
fn lanl_applies_denver_dst_and_declares_the_population() {
    let r = json(&["analyze", &fixture("import/lanl.csv"), "--by", "cause"]);
    // Reference: fixtures/README.md, import/lanl.csv.
    assert_eq!(node(&r, "20-0")["downtime_s"], 5.0 * HOUR);
    assert_eq!(node(&r, "20-1")["downtime_s"], 8.0 * HOUR);
    assert_eq!(node(&r, "20-1")["failures"], 1);
    assert_eq!(node(&r, "2-1")["downtime_s"], 2.0 * HOUR);
    assert_eq!(node(&r, "17")["downtime_s"], HOUR);
    assert_eq!(node(&r, "20-3")["failures"], 0);
    assert_eq!(r["fleet"]["nodes"], 7);
    assert_eq!(r["fleet"]["failures"], 4);
    let causes: Vec<&str> = r["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["group"].as_str())
        .collect();
    assert_eq!(
        causes,
        vec!["Hardware", "Software", "Network", "Facilities"]
    );
    let warning = r["warnings"][0].as_str().unwrap_or("");
    assert!(warning.contains("1 row(s) name no node"), "{warning}");
}

#[test]
fn lanl_groups_are_systems() {
    let r = json(&["analyze", &fixture("import/lanl.csv"), "--by", "group"]);
    let groups = r["groups"].as_array().expect("groups");
    let names: Vec<&str> = groups.iter().filter_map(|g| g["group"].as_str()).collect();
    assert_eq!(names, vec!["2", "17", "20"]);
    assert_eq!(groups[2]["nodes"], 4);
    assert_eq!(groups[2]["downtime_s"], 13.0 * HOUR);
}

#[test]
fn fta_event_trace() {
    let r = json(&["analyze", &fixture("import/fta.tab"), "--by", "cause"]);
    assert_eq!(r["window"]["start"], 1000.0);
    assert_eq!(r["window"]["seconds"], 5000.0);
    let n655 = node(&r, "655");
    assert_eq!(n655["downtime_s"], 700.0);
    assert_eq!(n655["failures"], 2);
    assert_eq!(n655["mttr_s"], 350.0);
    assert_eq!(node(&r, "700")["availability"], 1.0);
    assert_eq!(r["groups"][0]["group"], "4022");
    assert_eq!(r["groups"][0]["downtime_s"], 100.0);
}

#[test]
fn backblaze_lifetimes_are_non_repairable_and_censored() {
    let r = json(&["analyze", &fixture("import/backblaze.csv")]);
    let l = &r["lifetimes"];
    assert_eq!(
        (l["units"].as_u64(), l["failed"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(l["censored"], 1);
    assert_eq!(l["mttf_s"], 5.0 * DAY);
    close(&l["km_mean_life_s"], (4.5 + 2.0 / 3.0 + 1.5) * DAY);
    close(&l["km_survival_at_horizon"], 1.0 / 3.0);
    assert_eq!(node(&r, "A2")["mttf_s"], 4.5 * DAY);
    assert_eq!(r["fleet"]["mtbf_s"], Value::Null);
}

#[test]
fn explicit_input_format_overrides_detection() {
    let r = json(&[
        "analyze",
        &fixture("import/fta.tab"),
        "--input-format",
        "fta",
    ]);
    assert_eq!(r["fleet"]["failures"], 2);
}

/// Writes past the test harness's output capture, so the line shows in every run.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[test]
fn golden_outputs_of_each_layout() {
    for (input, expected) in [
        ("import/lanl.csv", "import/lanl.expected.json"),
        ("import/fta.tab", "import/fta.expected.json"),
        ("import/backblaze.csv", "import/backblaze.expected.json"),
    ] {
        // A path relative to the repository (the binary runs there), so that warnings naming
        // the file read the same on every checkout.
        let relative = format!("fixtures/{input}");
        golden(expected, &ok(&["analyze", &relative, "--format", "json"]));
    }
}

fn real(path: &str) -> Option<String> {
    let full: PathBuf = root().join("../shared/traces-real").join(path);
    full.exists().then(|| full.display().to_string())
}

/// Runs on the real traces when this checkout sits beside `shared/`; says so either way.
#[test]
fn real_traces_match_their_reference_figures() {
    let (Some(lanl), Some(fta), Some(backblaze)) = (
        real("lanl-cfdr/LA-UR-05-7318-failure-data-1996-2005.csv"),
        real("fta-lanl/event_trace.tab"),
        real("backblaze-2013/drives-2013.csv"),
    ) else {
        say("real traces: ../shared/traces-real not found; this test checked nothing");
        return;
    };
    say("real traces: running on ../shared/traces-real (LANL, FTA, Backblaze)");
    // FTA: 23,451 down intervals, mean 21,185.2 s.
    let r = json(&["analyze", &fta]);
    assert_eq!(r["fleet"]["failures"], 23_451);
    assert_eq!(r["fleet"]["nodes"], 3_577);
    assert!((r["fleet"]["mttr_s"].as_f64().unwrap_or(0.0) - 21_185.2).abs() < 0.1);
    // Backblaze: 29,072 drives, 724 failed.
    let r = json(&["analyze", &backblaze]);
    assert_eq!(r["lifetimes"]["units"], 29_072);
    assert_eq!(r["lifetimes"]["failed"], 724);
    // LANL: 23,739 records; overlapping ones merge, so fewer failures; 23 systems.
    let r = json(&["analyze", &lanl, "--by", "group"]);
    assert_eq!(r["groups"].as_array().map(Vec::len), Some(23));
    let failures = r["fleet"]["failures"].as_u64().unwrap_or(0);
    assert!((23_000..23_739).contains(&failures), "{failures}");
}
