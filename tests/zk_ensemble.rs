//! The ZooKeeper-style store replicated by Zab: exact message counts and latencies of a write,
//! failover, session expiry, a minority partition, a thousand random fault scenarios without a
//! violation, and each deliberately broken variant caught by its checker on a pinned seed.

mod common;

use common::{faultline, fixture, replay_json};
use serde_json::Value;

fn zk(extra: &[&str]) -> (Option<i32>, Value) {
    replay_json("zk", extra)
}

/// A script of one `create` and `writes - 1` sets on one session (on n1, a follower).
fn writes_script(dir: &std::path::Path, writes: usize) -> String {
    let mut text = String::from("{\"op\":\"create\",\"path\":\"/a\",\"data\":\"0\"}\n");
    for i in 1..writes {
        text.push_str(&format!(
            "{{\"op\":\"set\",\"path\":\"/a\",\"data\":\"{i}\"}}\n"
        ));
    }
    let path = dir.join(format!("writes-{writes}.jsonl"));
    std::fs::write(&path, text).expect("write the script");
    path.display().to_string()
}

#[test]
fn a_write_through_a_follower_costs_one_request_and_n_minus_1_proposals_acks_and_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    for n in [3u64, 5, 7] {
        let run = |writes: usize| {
            let script = writes_script(dir.path(), writes);
            let nodes = n.to_string();
            let (code, r) = zk(&[
                "--nodes",
                &nodes,
                "--workload",
                &script,
                "--duration",
                "10s",
            ]);
            assert_eq!(code, Some(0), "{r}");
            r
        };
        let (few, many) = (run(4), run(10));
        let delta = |kind: &str| {
            let count = |r: &Value| r["messages"]["by_type"][kind].as_u64().unwrap_or(0);
            count(&many) - count(&few)
        };
        // Six more writes: one request each from n1 to the leader nN, and N − 1 of each of
        // proposal, ack and commit; the client's request and reply.
        assert_eq!(delta("request"), 6, "N = {n}");
        for kind in ["proposal", "ack", "commit"] {
            assert_eq!(delta(kind), 6 * (n - 1), "N = {n}, {kind}");
        }
        assert_eq!((delta("client-request"), delta("client-reply")), (6, 6));
        assert_eq!(many["outcome"]["leader"], format!("n{n}"));
        // Every write crosses six 1 ms links: client → n1 → leader → followers → leader → n1
        // → client.
        let write = &many["latency"]["write"];
        assert_eq!(write["count"], 10);
        for key in ["min_s", "max_s"] {
            let seconds = write[key].as_f64().unwrap_or(0.0);
            assert!((seconds - 0.006).abs() < 1e-5, "N = {n}: {key} {seconds}");
        }
    }
}

#[test]
fn a_leader_crash_elects_a_new_leader_without_losing_an_acknowledged_write() {
    let trace = fixture("zk-ensemble/leader-crash.csv");
    let (code, r) = zk(&[
        "--nodes",
        "3",
        "--clients",
        "3",
        "--trace",
        &trace,
        "--duration",
        "40s",
    ]);
    assert_eq!(code, Some(0), "{r}");
    // No acknowledged write lost (durability), none reordered, the history linearizable.
    assert_eq!(r["invariants"]["violations"], serde_json::json!([]));
    let o = &r["outcome"];
    assert_eq!(
        (o["leader"].as_str(), o["epoch"].as_u64()),
        (Some("n2"), Some(2))
    );
    // n3 crashes at 5 s; its followers give up after the sync limit (5 ticks of 2 s) and elect
    // n2 after the finalize wait (200 ms): 10.2 s without a leader.
    let failover = &r["latency"]["failover"];
    assert_eq!(failover["count"], 1);
    let seconds = failover["max_s"].as_f64().unwrap_or(0.0);
    assert!((seconds - 10.2).abs() < 0.01, "{seconds}");
    // The new leader gives every session a fresh timeout (10 s): the clients that were on n3
    // move to n1 and n2, which revalidate their sessions with n2, and none expires.
    assert_eq!(o["sessions_expired"], 0);
    assert_eq!(r["messages"]["by_type"]["revalidate"], 6);
    assert_eq!(o["writes_ok"], 272);
    assert_eq!(o["writes_unknown"], 130);
}

#[test]
fn a_client_paused_past_its_session_timeout_loses_its_session_and_ephemerals() {
    let trace = fixture("zk-ensemble/client-pause.csv");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    let (code, r) = zk(&[
        "--nodes",
        "3",
        "--clients",
        "3",
        "--trace",
        &trace,
        "--session-timeout",
        "4s",
        "--duration",
        "40s",
        "--out",
        &out,
    ]);
    assert_eq!(code, Some(0), "{r}");
    let o = &r["outcome"];
    assert_eq!(o["sessions_expired"], 1);
    assert_eq!(o["ephemerals_deleted"], 3);
    // c1 resumes at 20 s, finds its connection gone and reconnects; the requests it made
    // meanwhile learn that the session expired; then it carries on with a new session, c1.2.
    let history = std::fs::read_to_string(dir.path().join("history.jsonl")).expect("history");
    let expired: Vec<Value> = history
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["error"] == "SessionExpired")
        .collect();
    assert_eq!(expired.len(), 11, "{expired:?}");
    assert!(
        expired
            .iter()
            .all(|e| e["process"] == "c1" && e["type"] == "fail")
    );
    assert_eq!(o["write_errors"]["SessionExpired"], 7);
    assert!(history.contains("/eph-c1.2-"), "c1 opened a new session");
    let first = history.lines().next().map(serde_json::from_str::<Value>);
    let first = first.and_then(Result::ok).unwrap_or_default();
    assert_eq!(first["type"], "invoke");
    assert!(
        first["process"]
            .as_str()
            .is_some_and(|p| p.starts_with('c'))
    );
}

#[test]
fn a_follower_that_decides_before_its_leader_still_joins_it() {
    // With jittered delays n1 hears its last vote sooner than n3 and finishes its finalize wait
    // first: its followerinfo reaches n3 while n3 is still deciding. It waits there (as a
    // learner's connection waits to be accepted) instead of being dropped, which left n1 in
    // discovery until twice the sync limit (20 s) and this ensemble without a leader for the
    // whole run.
    let (code, r) = zk(&[
        "--delay",
        "normal:mean=10ms,sd=2ms",
        "--nodes",
        "3",
        "--duration",
        "5s",
    ]);
    assert_eq!(code, Some(0), "{r}");
    let o = &r["outcome"];
    assert_eq!((&o["leader"], &o["epoch"]), (&"n3".into(), &1.into()));
    assert_eq!(r["messages"]["by_type"]["followerinfo"], 2);
    assert_eq!(o["writes_ok"], 11);
}

#[test]
fn a_minority_partition_keeps_the_majority_committing() {
    let trace = fixture("zk-ensemble/minority.csv");
    // Four clients only read: a session's reads wait behind its own pending writes, and a write
    // cut off from the leader holds them until the connection is given up, so only sessions
    // that do not write show the minority's reads going stale.
    let (code, r) = zk(&[
        "--nodes",
        "5",
        "--clients",
        "8",
        "--readers",
        "4",
        "--trace",
        &trace,
        "--session-timeout",
        "4s",
        "--duration",
        "40s",
    ]);
    assert_eq!(code, Some(0), "{r}");
    let o = &r["outcome"];
    assert_eq!(o["leader"], "n5");
    assert_eq!(o["epoch"], 1, "n5 keeps its quorum (n3 n4 n5) throughout");
    assert_eq!(o["writes_ok"], 559);
    assert_eq!(
        o["writes_unknown"], 22,
        "writes cut off on the minority side"
    );
    assert_eq!(
        (o["reads"].as_u64(), o["stale_reads"].as_u64()),
        (Some(1950), Some(182))
    );
}

#[test]
fn a_thousand_random_fault_scenarios_break_nothing() {
    let out = faultline(&[
        "replay",
        "--protocol",
        "zk",
        "--nodes",
        "3",
        "--clients",
        "3",
        "--seeds",
        "1..1000",
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("no violation in any run"), "{stdout}");
}

#[test]
fn each_broken_variant_is_caught_by_its_checker() {
    for (variant, seed, invariant) in [
        ("early-commit", 5, "durability"),
        ("early-commit", 13, "linearizable-writes"),
        ("skip-trunc", 5, "agreement"),
        ("reorder-writes", 4, "client-fifo"),
        ("accept-behind", 38, "single-system-image"),
        ("solo-leader", 1, "one-leader-per-epoch"),
        ("zombie-sessions", 435, "ephemeral-lifetime"),
    ] {
        let seed = seed.to_string();
        let (code, r) = zk(&[
            "--nodes",
            "3",
            "--clients",
            "3",
            "--seed",
            &seed,
            "--random-faults",
            "--broken",
            variant,
        ]);
        assert_eq!(code, Some(1), "{variant}: {r}");
        let names: Vec<&str> = r["invariants"]["violations"]
            .as_array()
            .map(|v| v.iter().filter_map(|v| v["name"].as_str()).collect())
            .unwrap_or_default();
        assert!(names.contains(&invariant), "{variant}: {names:?}");
    }
}

/// A result line without the fields a replicated store numbers differently (zxids, times).
fn without_zxids(line: &str) -> Value {
    fn strip(v: Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| {
                        !["czxid", "mzxid", "pzxid", "ctime", "mtime"].contains(&k.as_str())
                    })
                    .map(|(k, v)| (k, strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(strip).collect()),
            other => other,
        }
    }
    strip(serde_json::from_str(line).expect("a JSON line"))
}

#[test]
fn an_ensemble_gives_the_single_stores_results() {
    let scripts = [
        "zk/basics.jsonl",
        "zk/watches.jsonl",
        "zk-ensemble/random-1.jsonl",
        "zk-ensemble/random-2.jsonl",
        "zk-ensemble/random-3.jsonl",
    ];
    for name in scripts {
        let script = fixture(name);
        let one = common::ok(&["zk", "exec", &script]);
        for n in ["3", "5"] {
            let many = common::ok(&["zk", "exec", &script, "--ensemble", n]);
            let (a, b): (Vec<Value>, Vec<Value>) = (
                one.lines().map(without_zxids).collect(),
                many.lines().map(without_zxids).collect(),
            );
            assert_eq!(a.len(), b.len(), "{name} on {n} servers");
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                assert_eq!(x, y, "{name} on {n} servers, line {}", i + 1);
            }
        }
    }
}

#[test]
fn random_scripts_under_random_faults_break_nothing() {
    // Sessions closed and opened again under the same name, nested and sequential nodes,
    // multis: the checkers must not mistake any of it for a violation.
    let mut keys = 0;
    for (i, name) in ["random-1", "random-2", "random-3"].iter().enumerate() {
        let script = fixture(&format!("zk-ensemble/{name}.jsonl"));
        let seed = (i + 1).to_string();
        let (code, r) = zk(&[
            "--nodes",
            "3",
            "--workload",
            &script,
            "--seed",
            &seed,
            "--random-faults",
        ]);
        assert_eq!(code, Some(0), "{name}: {}", r["invariants"]);
        keys += r["outcome"]["linearizable_keys"].as_u64().unwrap_or(0);
    }
    assert_eq!(keys, 3, "keys whose writes were checked, in all");
}
