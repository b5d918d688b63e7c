//! End-to-end tests of `faultline analyze` on hand-checked fixtures.
//!
//! The figures of `fixtures/analyze/basic-*` are worked out by hand in `fixtures/README.md`:
//! window [100, 1100), T = 1000 s, population 4 (n1, n2, n3 and one that never failed).

mod common;

use common::{close, fixture, golden, input_error, json, node, ok};
use serde_json::Value;

const WINDOW: &str = "100,1100";

fn basic(file: &str, extra: &[&str]) -> Value {
    let path = fixture(&format!("analyze/{file}"));
    let mut args = vec!["analyze", &path, "--window", WINDOW, "--population", "4"];
    args.extend(extra);
    json(&args)
}

#[test]
fn per_node_figures_match_the_hand_computation() {
    let r = basic("basic-interval.csv", &[]);
    assert_eq!(r["window"]["seconds"], 1000.0);
    // n1: [200,250)+[240,300) merge into [200,300); a zero-length outage at 600.
    let n1 = node(&r, "n1");
    assert_eq!(n1["failures"], 2);
    assert_eq!(n1["downtime_s"], 100.0);
    assert_eq!(n1["uptime_s"], 900.0);
    assert_eq!(n1["availability"], 0.9);
    close(&n1["nines"], 1.0);
    assert_eq!(n1["mtbf_s"], 500.0);
    assert_eq!(n1["mttf_s"], 450.0);
    assert_eq!(n1["mttr_s"], 50.0);
    close(&n1["annual_downtime_s"], 0.1 * 365.0 * 86400.0);
    // n2: [1000,1200) clipped to 100 s.
    let n2 = node(&r, "n2");
    assert_eq!(
        (n2["failures"].as_u64(), n2["downtime_s"].as_f64()),
        (Some(1), Some(100.0))
    );
    // n3: [50,150) began before the window (50 s down, no failure) and [250,260).
    let n3 = node(&r, "n3");
    assert_eq!(
        (n3["failures"].as_u64(), n3["downtime_s"].as_f64()),
        (Some(1), Some(60.0))
    );
    assert_eq!(n3["mttr_s"], 60.0);
    assert_eq!(r["nodes"].as_array().map(Vec::len), Some(3));
}

#[test]
fn fleet_counts_the_declared_population() {
    let r = basic("basic-interval.csv", &[]);
    let fleet = &r["fleet"];
    assert_eq!(fleet["nodes"], 4);
    assert_eq!(fleet["failures"], 4);
    assert_eq!(fleet["downtime_s"], 260.0);
    assert_eq!(fleet["uptime_s"], 3740.0);
    assert_eq!(fleet["availability"], 0.935);
    assert_eq!(fleet["mtbf_s"], 1000.0);
    assert_eq!(fleet["mttf_s"], 935.0);
    assert_eq!(fleet["mttr_s"], 65.0);
}

#[test]
fn system_rules() {
    // Series: down [100,150) (no failure: began at 50), [200,300), the blip at 600, [1000,1100).
    let series = &basic("basic-interval.csv", &[])["system"];
    assert_eq!(series["rule"], "all");
    assert_eq!(series["failures"], 3);
    assert_eq!(series["downtime_s"], 250.0);
    assert_eq!(series["availability"], 0.75);
    // Quorum of 4 needs 3 up: only [250,260) has two down.
    let quorum = &basic("basic-interval.csv", &["--system", "quorum"])["system"];
    assert_eq!(quorum["rule"], "quorum");
    assert_eq!(quorum["failures"], 1);
    assert_eq!(quorum["downtime_s"], 10.0);
    assert_eq!(quorum["availability"], 0.99);
    assert_eq!(quorum["mttr_s"], 10.0);
    // k:3 is the same rule as quorum for 4 nodes; any never fails with a node that never fails.
    assert_eq!(
        basic("basic-interval.csv", &["--system", "k:3"])["system"]["downtime_s"],
        10.0
    );
    let any = &basic("basic-interval.csv", &["--system", "any"])["system"];
    assert_eq!(
        (any["failures"].as_u64(), any["availability"].as_f64()),
        (Some(0), Some(1.0))
    );
    assert_eq!(any["nines"], Value::Null);
    assert_eq!(any["mtbf_s"], Value::Null);
}

#[test]
fn interval_event_and_jsonl_layouts_give_identical_json() {
    let interval = ok(&[
        "analyze",
        &fixture("analyze/basic-interval.csv"),
        "--window",
        WINDOW,
        "--format",
        "json",
    ]);
    for other in ["basic-event.csv", "basic.jsonl"] {
        let out = ok(&[
            "analyze",
            &fixture(&format!("analyze/{other}")),
            "--window",
            WINDOW,
            "--format",
            "json",
        ]);
        assert_eq!(out, interval, "{other}");
    }
}

#[test]
fn datetimes_give_the_same_figures() {
    let numbers = basic("basic-interval.csv", &["--by", "group"]);
    let path = fixture("analyze/basic-datetime.csv");
    let mut dates = json(&[
        "analyze",
        &path,
        "--window",
        "2024-01-01 00:01:40,2024-01-01T00:18:20Z",
        "--population",
        "4",
        "--by",
        "group",
    ]);
    assert_eq!(dates["window"]["start"], 1_704_067_300.0);
    assert_eq!(dates["window"]["seconds"], 1000.0);
    dates["window"] = numbers["window"].clone();
    assert_eq!(dates, numbers);
}

#[test]
fn breakdown_by_fault() {
    let r = basic("basic-interval.csv", &["--by", "fault"]);
    let groups = r["groups"].as_array().expect("groups");
    let find = |name: &str| groups.iter().find(|g| g["group"] == name).expect(name);
    // Fleet time 4000 s; a merged outage keeps the earliest fault (n1's transient).
    assert_eq!(find("transient")["downtime_s"], 110.0);
    assert_eq!(find("transient")["failures"], 2);
    assert_eq!(find("intermittent")["failures"], 1);
    assert_eq!(find("intermittent")["downtime_s"], 0.0);
    assert_eq!(find("permanent")["downtime_s"], 100.0);
    assert_eq!(find("unknown")["downtime_s"], 50.0);
    assert_eq!(find("unknown")["failures"], 0);
    assert_eq!(find("transient")["availability"], 1.0 - 110.0 / 4000.0);
}

#[test]
fn breakdown_by_group_includes_the_unnamed_population() {
    let r = basic("basic-interval.csv", &["--by", "group"]);
    let groups = r["groups"].as_array().expect("groups");
    let names: Vec<&str> = groups.iter().filter_map(|g| g["group"].as_str()).collect();
    // Sorted by downtime, largest first; nodes without a group last here (no downtime).
    assert_eq!(names, vec!["rack-a", "rack-b", "(no group)"]);
    assert_eq!(groups[0]["nodes"], 2);
    assert_eq!(groups[0]["downtime_s"], 200.0);
    assert_eq!(groups[0]["failures"], 3);
    assert_eq!(groups[0]["availability"], 0.9);
    assert_eq!(groups[1]["availability"], 0.94);
    assert_eq!(groups[2]["availability"], 1.0);
    // Shares of the fleet's 260 s of downtime add up to 1.
    close(&groups[0]["share_of_downtime"], 200.0 / 260.0);
    close(&groups[1]["share_of_downtime"], 60.0 / 260.0);
    assert_eq!(groups[2]["share_of_downtime"], 0.0);
}

#[test]
fn breakdown_by_month() {
    // 2024-01-31 23:00 to 2024-02-01 01:00 across a month boundary, window January 31 to
    // February 2: the window holds one day of each month, and each day 1 h of the outage.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("months.csv");
    std::fs::write(
        &path,
        "node,start,end\nn1,2024-01-31 23:00,2024-02-01 01:00\n",
    )
    .unwrap();
    let r = json(&[
        "analyze",
        &path.display().to_string(),
        "--window",
        "2024-01-31,2024-02-02",
        "--by",
        "month",
    ]);
    let groups = r["groups"].as_array().expect("groups");
    assert_eq!(groups[0]["group"], "2024-01");
    assert_eq!(groups[0]["downtime_s"], 3600.0);
    assert_eq!(groups[0]["failures"], 1);
    assert_eq!(groups[0]["availability"], 23.0 / 24.0);
    assert_eq!(groups[1]["group"], "2024-02");
    assert_eq!(groups[1]["downtime_s"], 3600.0);
    assert_eq!(groups[1]["failures"], 0);
    assert_eq!(groups[1]["availability"], 23.0 / 24.0);
    assert_eq!(groups.len(), 2);
}

#[test]
fn population_file_lists_nodes_that_never_failed() {
    let r = json(&[
        "analyze",
        &fixture("analyze/basic-interval.csv"),
        "--window",
        WINDOW,
        "--population",
        &fixture("analyze/population.txt"),
    ]);
    let n4 = node(&r, "n4");
    assert_eq!(
        (n4["failures"].as_u64(), n4["availability"].as_f64()),
        (Some(0), Some(1.0))
    );
    assert_eq!(r["fleet"]["nodes"], 4);
    assert_eq!(r["fleet"]["availability"], 0.935);
}

#[test]
fn seed_example_non_repairable_mttf_is_12() {
    // Units failing at 10, 12 and 14 give MTTF 12.
    let r = json(&[
        "analyze",
        &fixture("analyze/nonrepairable.csv"),
        "--window",
        "0,20",
        "--non-repairable",
    ]);
    let l = &r["lifetimes"];
    assert_eq!(l["mean_failed_life_s"], 12.0);
    // Without censoring, exposure per failure is the same mean.
    assert_eq!(l["mttf_s"], 12.0);
    assert_eq!(l["exposure_s"], 36.0);
    assert_eq!(l["failed"], 3);
    assert_eq!(l["censored"], 0);
    // Availability does not apply to units that are replaced.
    assert_eq!(r["fleet"], Value::Null);
    assert_eq!(r["system"], Value::Null);
}

#[test]
fn non_repairable_with_censoring() {
    // With a population of 5 two units never fail: they are censored at 20.
    // Exposure 10 + 12 + 14 + 20 + 20 = 76 s for 3 failures; Kaplan–Meier 4/5, 3/5, 2/5.
    let r = json(&[
        "analyze",
        &fixture("analyze/nonrepairable.csv"),
        "--window",
        "0,20",
        "--non-repairable",
        "--population",
        "5",
    ]);
    let l = &r["lifetimes"];
    assert_eq!(
        (l["units"].as_u64(), l["censored"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(l["mean_failed_life_s"], 12.0);
    close(&l["mttf_s"], 76.0 / 3.0);
    close(&l["afr"], 3.0 / (76.0 / (365.0 * 86_400.0)));
    let km: Vec<(f64, f64)> = l["km"]
        .as_array()
        .expect("km")
        .iter()
        .map(|p| (p[0].as_f64().unwrap_or(-1.0), p[1].as_f64().unwrap_or(-1.0)))
        .collect();
    let expected = [(10.0, 0.8), (12.0, 0.6), (14.0, 0.4)];
    assert_eq!(km.len(), 3);
    for ((t, s), (et, es)) in km.iter().zip(expected) {
        assert_eq!(*t, et);
        assert!((s - es).abs() < 1e-12, "{s} != {es}");
    }
}

#[test]
fn seed_example_99_percent_allows_3_65_days() {
    let path = fixture("analyze/budget.csv");
    let r = json(&["analyze", &path, "--window", "0,100"]);
    assert_eq!(r["nodes"][0]["availability"], 0.99);
    assert_eq!(r["nodes"][0]["annual_downtime_s"], 3.65 * 86400.0);
    let table = ok(&["analyze", &path, "--window", "0,100"]);
    assert!(table.contains("99.00 %"), "{table}");
    assert!(table.contains("3.65 d"), "{table}");
    assert!(table.contains("2.0 nines"), "{table}");
}

#[test]
fn time_unit_scales_bare_numbers() {
    // The budget fixture read in minutes: window 0..100 min, 1 min down.
    let r = json(&[
        "analyze",
        &fixture("analyze/budget.csv"),
        "--time-unit",
        "m",
        "--window",
        "0,100",
    ]);
    assert_eq!(r["window"]["seconds"], 6000.0);
    assert_eq!(r["nodes"][0]["downtime_s"], 60.0);
}

#[test]
fn redundant_transitions_are_warned_about() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("events.csv");
    std::fs::write(
        &path,
        "time,node,event\n0,n1,up\n10,n1,down\n15,n1,crash\n20,n1,recover\n",
    )
    .unwrap();
    let r = json(&["analyze", &path.display().to_string()]);
    assert_eq!(r["nodes"][0]["downtime_s"], 10.0);
    let warnings = r["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0]
            .as_str()
            .unwrap_or("")
            .contains("ignored 1 `up` event(s)"),
        "{warnings:?}"
    );
}

#[test]
fn golden_outputs() {
    let path = fixture("analyze/basic-interval.csv");
    let args = |format: &'static str| {
        vec![
            "analyze",
            path.as_str(),
            "--window",
            WINDOW,
            "--population",
            "4",
            "--by",
            "fault",
            "--system",
            "quorum",
            "--format",
            format,
        ]
    };
    golden("analyze/basic.expected.json", &ok(&args("json")));
    golden("analyze/basic.expected.txt", &ok(&args("table")));
    golden("analyze/basic.expected.csv", &ok(&args("csv")));
    golden("analyze/basic.expected.md", &ok(&args("md")));
}

#[test]
fn input_errors_name_file_line_and_column() {
    let cases = [
        (
            "errors/bad-time.csv",
            "bad-time.csv: line 3: column `start`",
            "soon",
        ),
        (
            "errors/end-before-start.csv",
            "end-before-start.csv: line 3: column `end`",
            "before it starts",
        ),
        (
            "errors/unknown-event.csv",
            "unknown-event.csv: line 3: column `event`",
            "unknown event `explode`",
        ),
        (
            "errors/mixed-times.csv",
            "mixed-times.csv: line 3: column `start`",
            "write all times the same way",
        ),
        (
            "errors/bad-header.csv",
            "bad-header.csv: line 1",
            "--input-format",
        ),
        (
            "errors/empty.csv",
            "empty.csv: the trace holds no outages",
            "node,start,end",
        ),
    ];
    for (file, place, fix) in cases {
        let stderr = input_error(&["analyze", &fixture(file)]);
        assert!(stderr.contains(place), "{file}: {stderr}");
        assert!(stderr.contains(fix), "{file}: {stderr}");
    }
}

#[test]
fn bad_windows_and_options_exit_2() {
    let trace = fixture("analyze/basic-interval.csv");
    let stderr = input_error(&["analyze", &trace, "--window", "100,100"]);
    assert!(stderr.contains("must end after it starts"), "{stderr}");
    let stderr = input_error(&["analyze", &trace, "--window", "2024-01-01,2024-02-01"]);
    assert!(
        stderr.contains("write the window the way the trace writes times"),
        "{stderr}"
    );
    let stderr = input_error(&["analyze", &trace, "--system", "most"]);
    assert!(stderr.contains("unknown system rule"), "{stderr}");
    let stderr = input_error(&["analyze", &trace, "--population", "2"]);
    assert!(stderr.contains("declare at least 3"), "{stderr}");
    let stderr = input_error(&["analyze", "no/such/file.csv"]);
    assert!(
        stderr.contains("no/such/file.csv: cannot read the file"),
        "{stderr}"
    );
}

#[test]
fn skip_bad_rows_counts_them() {
    let path = fixture("errors/bad-rows.csv");
    let stderr = input_error(&["analyze", &path]);
    assert!(stderr.contains("line 3: column `start`"), "{stderr}");
    let r = json(&["analyze", &path, "--skip-bad-rows"]);
    let names: Vec<&str> = r["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["node"].as_str())
        .collect();
    assert_eq!(names, vec!["n1", "n4"]);
    let warning = r["warnings"][0].as_str().unwrap_or("");
    assert!(warning.contains("skipped 2 bad row(s)"), "{warning}");
    assert!(warning.contains("line 3: column `start`"), "{warning}");
}

#[test]
fn active_passive_fails_over_to_the_next_live_node() {
    // fixtures/README.md: the service moves n1 -> n2 -> n3 -> n1, 5 s of failover each time.
    let r = json(&[
        "analyze",
        &fixture("analyze/active-passive.csv"),
        "--window",
        "0,100",
        "--system",
        "active-passive:failover=5s",
    ]);
    let system = &r["system"];
    assert_eq!(system["rule"], "active-passive:failover=5 s");
    assert_eq!(system["downtime_s"], 15.0);
    assert_eq!(system["failures"], 3);
    assert_eq!(system["availability"], 0.85);
    assert_eq!(system["mttr_s"], 5.0);
    // The failover may be an expression over d and r: 2 * 200 ms + 100 ms + 4 s = 4.5 s each.
    let expr = json(&[
        "analyze",
        &fixture("analyze/active-passive.csv"),
        "--window",
        "0,100",
        "--system",
        "active-passive:failover=2d+r+4s",
        "--delay",
        "const:200ms",
        "--proc",
        "100ms",
    ]);
    assert_eq!(expr["system"]["downtime_s"], 13.5);
    // Active-active is the `any` rule: someone is always up here.
    let any = json(&[
        "analyze",
        &fixture("analyze/active-passive.csv"),
        "--window",
        "0,100",
        "--system",
        "active-active",
    ]);
    assert_eq!(any["system"]["availability"], 1.0);
}

/// `fixtures/analyze/service.csv`: nodes installed and retired (fixtures/README.md).
#[test]
fn each_node_counts_only_while_in_service() {
    let path = fixture("analyze/service.csv");
    let r = json(&["analyze", &path]);
    let exposure: Vec<f64> = r["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["exposure_s"].as_f64())
        .collect();
    assert_eq!(exposure, vec![100.0, 50.0, 60.0, 100.0]);
    assert_eq!(node(&r, "c")["downtime_s"], 10.0);
    assert_eq!(node(&r, "c")["failures"], 2);
    assert_eq!(node(&r, "c")["mtbf_s"], 30.0);
    assert_eq!(r["fleet"]["exposure_s"], 310.0);
    close(&r["fleet"]["availability"], 290.0 / 310.0);
    // Series: down while a (10-20) or c (45-50, 60-65) is down.
    assert_eq!(r["system"]["downtime_s"], 20.0);
    assert_eq!(r["system"]["failures"], 3);
    // A majority of the nodes in service is always up: 2 of 3, 3 of 4, then 2 of 3 after b
    // retires.
    let quorum = json(&["analyze", &path, "--system", "quorum"]);
    assert_eq!(quorum["system"]["downtime_s"], 0.0);
    let three = json(&["analyze", &path, "--system", "k:3"]);
    assert_eq!(three["system"]["downtime_s"], 15.0);
    assert_eq!(three["system"]["failures"], 2);
    // A population file adds e, in service from 30 to 80 and never failing: at 60-65 a, d
    // and e are up, so k:3 holds there.
    let declared = json(&[
        "analyze",
        &path,
        "--system",
        "k:3",
        "--population",
        &fixture("analyze/service-population.csv"),
    ]);
    assert_eq!(node(&declared, "e")["exposure_s"], 50.0);
    assert_eq!(declared["fleet"]["nodes"], 5);
    assert_eq!(declared["fleet"]["exposure_s"], 360.0);
    assert_eq!(declared["system"]["downtime_s"], 10.0);
    // As units replaced rather than repaired: c fails at age 5 with four at risk, a at age 10
    // with three (b, d still in service).
    let lives = json(&["analyze", &path, "--non-repairable"]);
    let l = &lives["lifetimes"];
    assert_eq!(l["exposure_s"], 165.0);
    assert_eq!(l["mean_failed_life_s"], 7.5);
    assert_eq!(l["mttf_s"], 82.5);
    assert_eq!(l["km"], serde_json::json!([[5.0, 0.75], [10.0, 0.5]]));
}
