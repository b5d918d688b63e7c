//! Locks on the ZooKeeper ensemble: the stale-holder demonstration with and without fencing,
//! the herd effect, random fault scenarios (clients paused too) and the cost of an acquisition.

mod common;

use common::{faultline, replay_json, root};
use serde_json::Value;

fn lock(extra: &[&str]) -> (Option<i32>, Value) {
    replay_json("lock", extra)
}

#[test]
fn a_holder_paused_past_its_session_writes_unsafely_without_fencing_and_is_fenced_off_with_it() {
    let trace = root().join("traces/lock-pause.csv").display().to_string();
    let run = |fencing: &str| {
        lock(&[
            "--nodes",
            "3",
            "--clients",
            "2",
            "--trace",
            &trace,
            "--session-timeout",
            "4s",
            "--duration",
            "30s",
            "--fencing",
            fencing,
        ])
    };
    // c1 holds the lock when it freezes at 1.6 s for 8 s; its session (4 s) expires, c2 takes
    // the lock (token 5) and writes; c1 wakes at 9.6 s still believing it holds (token 1) and
    // writes four times before it learns its session is gone.
    let (code, off) = run("off");
    assert_eq!(code, Some(1));
    let o = &off["outcome"];
    assert_eq!(
        (o["writes_accepted"].as_u64(), o["writes_rejected"].as_u64()),
        (Some(223), Some(0))
    );
    assert_eq!(o["unsafe_writes"], 4);
    assert_eq!(
        o["interleaved_writes"], 4,
        "each after c2's writes with token 5"
    );
    let violations = off["invariants"]["violations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(violations.len(), 4);
    assert_eq!(violations[0]["name"], "mutual-exclusion");
    assert_eq!(violations[0]["time_s"], 9.601);
    // With fencing the storage has seen token 5 and rejects c1's token 1: nothing unsafe.
    let (code, on) = run("on");
    assert_eq!(code, Some(0), "{}", on["invariants"]);
    let o = &on["outcome"];
    assert_eq!(
        (o["writes_accepted"].as_u64(), o["writes_rejected"].as_u64()),
        (Some(219), Some(4))
    );
    assert_eq!(o["unsafe_writes"], 0);
    assert_eq!(o["acquisitions"], 45);
}

#[test]
fn the_recipe_wakes_one_waiter_per_release_and_the_herd_wakes_them_all() {
    // The herd's waiters watch the lock node's children, so they wake for the release and again
    // for the releaser queueing anew: about 2(C − 1) − 1 wake-ups per release.
    for (clients, herd) in [(2, 1.0), (5, 7.017857142857143), (10, 17.035714285714285)] {
        let c = clients.to_string();
        for (recipe, expected) in [("zk", 1.0), ("herd", herd)] {
            let (code, r) = lock(&[
                "--nodes",
                "3",
                "--clients",
                &c,
                "--recipe",
                recipe,
                "--duration",
                "30s",
            ]);
            assert_eq!(code, Some(0), "{r}");
            let o = &r["outcome"];
            assert_eq!(
                o["wakeups_per_release"], expected,
                "C = {clients}, {recipe}"
            );
            assert_eq!(o["acquisitions"], 57, "one lock: the same pace for any C");
        }
    }
}

#[test]
fn an_acquisition_costs_a_pinned_number_of_messages() {
    let (_, r) = lock(&["--nodes", "3", "--clients", "2", "--duration", "30s"]);
    let by_type = &r["messages"]["by_type"];
    let lock_traffic: u64 = [
        "client-request",
        "client-reply",
        "request",
        "proposal",
        "ack",
        "commit",
        "watch-event",
    ]
    .iter()
    .map(|k| by_type[*k].as_u64().unwrap_or(0))
    .sum();
    // 57 acquisitions (sessions, the lock node and the start-up sync included).
    assert_eq!(
        (lock_traffic, r["outcome"]["acquisitions"].as_u64()),
        (1407, Some(57))
    );
    // Each holding: 5 writes to the storage and their replies.
    assert_eq!(by_type["storage-write"], 281);
}

#[test]
fn random_faults_with_paused_clients_break_nothing_with_fencing() {
    let sweep = |fencing: &str| {
        let out = faultline(&[
            "replay",
            "--protocol",
            "lock",
            "--nodes",
            "3",
            "--clients",
            "3",
            "--session-timeout",
            "4s",
            "--fencing",
            fencing,
            "--seeds",
            "1..1000",
            "--format",
            "json",
            "--quiet",
        ]);
        let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON sweep report");
        (out.status.code(), report)
    };
    let (code, on) = sweep("on");
    assert_eq!(
        (code, on["violations"].as_u64()),
        (Some(0), Some(0)),
        "{}",
        on["failures"]
    );
    let (code, off) = sweep("off");
    assert_eq!(code, Some(1));
    assert_eq!(off["failed_seeds"], serde_json::json!([902]));
}

#[test]
fn the_pause_sweep_shows_fencing_ruling_out_interleaved_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    let (code, r) = lock(&[
        "--nodes",
        "3",
        "--clients",
        "3",
        "--session-timeout",
        "4s",
        "--pauses",
        "0.5,2",
        "--seeds",
        "1..5",
        "--out",
        &out,
    ]);
    assert_eq!(code, Some(0));
    let row = |i: usize| {
        let x = &r["rows"][i];
        (
            x["ratio"].as_f64(),
            x["fencing"].as_bool(),
            x["unsafe_writes"].as_u64(),
            x["interleaved_writes"].as_u64(),
            x["writes_rejected"].as_u64(),
        )
    };
    // Pauses shorter than the session change nothing.
    assert_eq!(row(0), (Some(0.5), Some(false), Some(0), Some(0), Some(0)));
    assert_eq!(row(1), (Some(0.5), Some(true), Some(0), Some(0), Some(0)));
    // Twice the session: 27 unsafe writes, 19 of them into a later holding, without fencing;
    // with it none interleaves (19 rejected), and 8 land before the next holder's first write.
    assert_eq!(
        row(2),
        (Some(2.0), Some(false), Some(27), Some(19), Some(0))
    );
    assert_eq!(row(3), (Some(2.0), Some(true), Some(8), Some(0), Some(19)));
    assert_eq!(r["rows"][2]["unsafe_per_hour"], 324.0);
    assert!(dir.path().join("plots/pause-sweep.svg").exists());
    assert!(dir.path().join("pause-sweep.json").exists());
}
