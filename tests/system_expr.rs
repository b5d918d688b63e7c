//! End-to-end tests of `--system` expressions on the worked examples of `traces/`, with every
//! figure worked out by hand (window: March 2024, 30 days = 2,592,000 s).

mod common;

use common::{close, faultline, input_error, json, ok, root};
use serde_json::Value;

const WINDOW: &str = "2024-03-01,2024-03-31";
const T: f64 = 30.0 * 86400.0;
const HOUR: f64 = 3600.0;

/// The Eucalyptus example's expression: a cloud controller, and some cluster with a cluster
/// controller and two of its three node controllers.
const EUCALYPTUS: &str = "series(any(role=cloud), \
     parallel(series(any(role=cluster+group=cluster-a), k:2(role=node+group=cluster-a)), \
     series(any(role=cluster+group=cluster-b), k:2(role=node+group=cluster-b))))";

fn trace(name: &str) -> String {
    root().join("traces").join(name).display().to_string()
}

fn system(file: &str, expr: &str) -> Value {
    json(&[
        "analyze",
        &trace(file),
        "--window",
        WINDOW,
        "--system",
        expr,
    ])["system"]
        .clone()
}

/// The availability of a node down `hours` of the window.
fn up(hours: f64) -> f64 {
    (T - hours * HOUR) / T
}

/// P(at least `k` of the nodes up), by enumerating every up/down combination.
fn at_least(k: usize, availability: &[f64]) -> f64 {
    (0u32..1 << availability.len())
        .filter(|mask| mask.count_ones() as usize >= k)
        .map(|mask| {
            availability
                .iter()
                .enumerate()
                .map(|(i, a)| if mask & (1 << i) != 0 { *a } else { 1.0 - a })
                .product::<f64>()
        })
        .sum()
}

/// The Aurora example's replicas, down a1 6 h + 45 min, a2 6 h, b1 2 h, b2 1 h, c1 2 h,
/// c2 1.5 h.
fn aurora_nodes() -> Vec<f64> {
    [6.75, 6.0, 2.0, 1.0, 2.0, 1.5].map(up).to_vec()
}

#[test]
fn aurora_write_quorum_is_lost_while_zone_a_and_a_disk_in_zone_b_are_down() {
    // Zone a is down 04:00-10:00 on the 10th and b1 07:00-09:00: three of six replicas down
    // for 2 h, so a write quorum (4 of 6) is lost once, for 2 h. No other time has two down.
    let s = system("aurora.csv", "k:4(*)");
    assert_eq!(s["rule"], "k:4(*)");
    assert_eq!(s["failures"], 1);
    assert_eq!(s["downtime_s"], 2.0 * HOUR);
    close(&s["availability"], (T - 2.0 * HOUR) / T);
    assert_eq!(s["mttr_s"], 2.0 * HOUR);
    assert_eq!(s["mtbf_s"], T);
    // Independent replicas would lose it only with three down at once.
    let independent = at_least(4, &aurora_nodes());
    close(&s["independent_availability"], independent);
    close(&s["independent_downtime_s"], (1.0 - independent) * T);
    close(&s["downtime_ratio"], 2.0 * HOUR / ((1.0 - independent) * T));
    // About 3.3 s: the trace's 2 h is over two thousand times that.
    let ratio = s["downtime_ratio"].as_f64().expect("a ratio");
    assert!((2000.0..2500.0).contains(&ratio), "{ratio}");
}

#[test]
fn aurora_read_quorum_is_kept() {
    // Three replicas up is a read quorum (3 of 6): never lost.
    let s = system("aurora.csv", "k:3(*)");
    assert_eq!(s["failures"], 0);
    assert_eq!(s["downtime_s"], 0.0);
    assert_eq!(s["availability"], 1.0);
    assert_eq!(s["nines"], Value::Null);
    close(&s["independent_availability"], at_least(3, &aurora_nodes()));
    assert_eq!(s["downtime_ratio"], 0.0);
}

#[test]
fn a_rule_alone_is_the_expression_over_every_node_without_the_comparison() {
    let alone = system("aurora.csv", "k:4");
    let every = system("aurora.csv", "k:4(*)");
    assert_eq!(alone["rule"], "k:4");
    for key in [
        "failures",
        "downtime_s",
        "availability",
        "mttr_s",
        "exposure_s",
    ] {
        assert_eq!(alone[key], every[key], "{key}");
    }
    assert!(alone.get("independent_availability").is_none());
    // Quorum over six is four.
    assert_eq!(
        system("aurora.csv", "quorum(*)")["downtime_s"],
        every["downtime_s"]
    );
    // Zone-aware: two zones with a replica up each. Zone a down 6 h, never two zones at once.
    let zones = system("aurora.csv", "k:2(any(zone=a), any(zone=b), any(zone=c))");
    assert_eq!(zones["downtime_s"], 0.0);
}

#[test]
fn eucalyptus_cloud_is_down_when_both_cloud_controllers_or_both_clusters_are() {
    // Down 02:30-03:00 on the 20th (clc-1 and clc-2 both down) and 14:30-14:40 on the 25th
    // (cluster b without a cluster controller 14:20-15:00, cluster a with only nc-a2 up
    // 14:30-14:40). Cluster a alone down 10:00-11:00 on the 12th costs nothing: b serves.
    let s = system("eucalyptus.csv", EUCALYPTUS);
    let down = 40.0 * 60.0;
    assert_eq!(s["failures"], 2);
    assert_eq!(s["downtime_s"], down);
    // serde_json reads floats to within an ulp, hence `close`.
    close(&s["availability"], (T - down) / T);
    assert_eq!(s["mttr_s"], down / 2.0);
    // Independent: clc-1 down 5.5 h, clc-2 1 h; cluster a: cc 6 h and 30 min, nc 7.5 h, 1 h,
    // 1 h 40 min; cluster b: cc 1 h and 1 h 40 min, nc 1 h, 4 h, 20 min.
    let parallel = |a: f64, b: f64| 1.0 - (1.0 - a) * (1.0 - b);
    let two_of_three = |a: f64, b: f64, c: f64| {
        a * b * c + (1.0 - a) * b * c + a * (1.0 - b) * c + a * b * (1.0 - c)
    };
    let cloud = parallel(up(5.5), up(1.0));
    let cluster_a = parallel(up(6.0), up(0.5)) * two_of_three(up(7.5), up(1.0), up(5.0 / 3.0));
    let cluster_b =
        parallel(up(1.0), up(5.0 / 3.0)) * two_of_three(up(1.0), up(4.0), up(1.0 / 3.0));
    let independent = cloud * parallel(cluster_a, cluster_b);
    close(&s["independent_availability"], independent);
    close(&s["downtime_ratio"], down / ((1.0 - independent) * T));
    // The cluster tier alone fails only on the 25th.
    let clusters = system(
        "eucalyptus.csv",
        "parallel(series(any(role=cluster+group=cluster-a), k:2(role=node+group=cluster-a)), \
         series(any(role=cluster+group=cluster-b), k:2(role=node+group=cluster-b)))",
    );
    assert_eq!(clusters["downtime_s"], 600.0);
}

#[test]
fn the_table_shows_both_figures_and_the_ratio() {
    let table = ok(&[
        "analyze",
        &trace("aurora.csv"),
        "--window",
        WINDOW,
        "--system",
        "k:4(*)",
    ]);
    assert!(table.contains("system rule `k:4(*)`"), "{table}");
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row: {table}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(row("system (k:4(*))").starts_with("system (k:4(*)) 1 2 h 99.72 %"));
    assert!(row("if independent").starts_with("if independent - 3.29 s 99.9999 %"));
    assert!(
        table.contains(
            "the system was down 2 h in the trace; if nodes failed independently at their \
             measured availabilities it would be down 3.29 s: the trace's downtime is 2190× that"
        ),
        "{table}"
    );
    // A long expression is named in the window line, and the row is just `system`.
    let long = ok(&[
        "analyze",
        &trace("eucalyptus.csv"),
        "--window",
        WINDOW,
        "--system",
        EUCALYPTUS,
        "--format",
        "md",
    ]);
    assert!(long.contains("| system "), "{long}");
    assert!(long.contains("| if independent "), "{long}");
    assert!(
        long.contains("the trace's downtime is 87.3× that"),
        "{long}"
    );
}

#[test]
fn report_takes_expressions_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("aurora");
    let out_text = out.display().to_string();
    ok(&[
        "report",
        &trace("aurora.csv"),
        "--window",
        WINDOW,
        "--system",
        "k:4(*)",
        "--out",
        &out_text,
        "-q",
    ]);
    let metrics: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("metrics.json")).expect("metrics.json"),
    )
    .expect("JSON");
    assert_eq!(metrics["system"]["downtime_s"], 2.0 * HOUR);
    assert!(metrics["system"]["independent_availability"].is_number());
    let page = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    assert!(page.contains("Correlated failures: the system was down 2 h"));
}

#[test]
fn parser_errors_name_the_column() {
    let aurora = trace("aurora.csv");
    let error = |expr: &str| input_error(&["analyze", &aurora, "--system", expr]);
    assert_eq!(
        error("series(any(zone=a), k:2(b1, b2)"),
        "faultline: error: --system: at column 32: expected `,` or `)` after an argument of \
         `series`, found end of input\n"
    );
    assert!(
        error("series(any(zone=a), b1)")
            .starts_with("faultline: error: --system: at column 21: `b1` is a node selector")
    );
    assert!(
        error("k:3(any(zone=a), any(zone=b))")
            .contains("at column 1: `k:3` needs 3 of its arguments up but has only 2")
    );
    assert!(error("series(active-passive(a1))").contains("at column 8: active-passive takes no"));
    // A rule alone keeps its message.
    assert!(error("most").starts_with("faultline: error: --system: unknown system rule `most`"));
}

#[test]
fn selections_must_fit_the_trace() {
    let aurora = trace("aurora.csv");
    let error = |expr: &str| input_error(&["analyze", &aurora, "--system", expr]);
    assert!(
        error("any(zone=a, zone=d)")
            .starts_with("faultline: error: --system: selector `zone=d` matches no node;"),
    );
    assert!(error("k:3(zone=a)").starts_with(
        "faultline: error: --system: `k:3(zone=a)` needs 3 nodes up but at most 2 of its \
         selection are in service at once"
    ));
    // Nameless nodes of a declared population are picked by `*` only, and never fail.
    let s = json(&[
        "analyze",
        &aurora,
        "--window",
        WINDOW,
        "--population",
        "8",
        "--system",
        "k:6(*)",
    ]);
    assert_eq!(s["system"]["downtime_s"], 2.0 * HOUR);
    let code = faultline(&["analyze", &aurora, "--system", "k:7(a*, b*, c*)"])
        .status
        .code();
    assert_eq!(code, Some(2));
}
