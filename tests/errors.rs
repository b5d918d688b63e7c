//! End-to-end tests of the messages of bad input: each case runs the binary and compares the
//! whole of standard error, and the exit code 2.

mod common;

use common::{fixture, input_error, ok};

/// The message `faultline` prints for a bad input, as one line.
fn error_line(message: &str) -> String {
    format!("faultline: error: {message}\n")
}

#[test]
fn a_missing_trace_names_the_os_error_once() {
    assert_eq!(
        input_error(&["analyze", "nosuch.csv"]),
        error_line("nosuch.csv: cannot read the file: No such file or directory (os error 2)")
    );
}

#[test]
fn an_unwritable_report_folder_names_the_os_error_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").expect("write a file");
    let out = file.display().to_string();
    assert_eq!(
        input_error(&[
            "report",
            &fixture("analyze/basic-interval.csv"),
            "--out",
            &out,
            "--quiet",
        ]),
        error_line(&format!(
            "{out}/plots: cannot write: Not a directory (os error 20)"
        ))
    );
}

/// `fixtures/analyze/always-down.csv` is never up: availability 0, whose nines `-log10(1 - 0)`
/// come out of the arithmetic as `-0.0`. Every format shows zero.
#[test]
fn no_format_prints_a_negative_zero() {
    let trace = fixture("analyze/always-down.csv");
    let analyze = |format: &str| ok(&["analyze", &trace, "--format", format]);
    for format in ["table", "md", "csv", "json"] {
        assert!(
            !analyze(format).contains("-0"),
            "{format}: {}",
            analyze(format)
        );
    }
    for format in ["table", "md"] {
        let out = analyze(format);
        let zero_nines = out.lines().filter(|l| l.contains(" 0.0 nines")).count();
        assert_eq!(zero_nines, 4, "n1, n2, fleet, system: {out}");
    }
    let csv = analyze("csv");
    let mut lines = csv.lines().map(|l| l.split(',').collect::<Vec<_>>());
    let header = lines.next().unwrap_or_default();
    let nines = header
        .iter()
        .position(|h| *h == "nines")
        .expect("a nines column");
    let rows: Vec<Vec<&str>> = lines.collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(rows.iter().all(|r| r[nines] == "0"), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&analyze("json")).expect("json");
    for row in [
        &json["nodes"][0],
        &json["nodes"][1],
        &json["fleet"],
        &json["system"],
    ] {
        assert_eq!(row["nines"].to_string(), "0.0", "{row}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    ok(&["report", &trace, "--out", &out, "--quiet"]);
    for file in ["metrics.json", "report.md", "index.html"] {
        let text = std::fs::read_to_string(dir.path().join(file)).expect("report file");
        assert!(!text.contains("-0.0"), "{file}");
    }
}

#[test]
fn a_rule_needing_more_nodes_than_there_are_is_refused() {
    let trace = fixture("analyze/basic-interval.csv");
    let error = input_error(&["analyze", &trace, "--system", "k:500"]);
    assert_eq!(
        error,
        "faultline: error: --system k:500: the system needs 500 nodes up but at most 3 are in \
         service at once; give K from 1 to 3, or declare the other nodes with --population\n"
    );
}

/// [`input_error`] for owned arguments.
fn input_error_of(args: &[String]) -> String {
    input_error(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `base` with each `--flag value` pair of `changes` replacing the flag's value, or added.
fn with(base: &[&str], changes: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = base.iter().map(|a| a.to_string()).collect();
    for pair in changes.chunks(2) {
        match args.iter().position(|a| a == pair[0]) {
            Some(at) => args[at + 1] = pair[1].to_string(),
            None => args.extend(pair.iter().map(|a| a.to_string())),
        }
    }
    args
}

/// Every numeric flag takes a negative value to its parser, whose message says what is valid
/// (clap alone would call `-3` an unexpected argument).
#[test]
fn negative_numbers_are_told_the_valid_range() {
    let trace = fixture("analyze/basic-interval.csv");
    let gen_with = |changes: &[&str]| {
        let base = [
            "gen",
            "--nodes",
            "3",
            "--duration",
            "1d",
            "--mttf",
            "1h",
            "--mttr",
            "1m",
        ];
        with(&base, changes)
    };
    let replay_with = |changes: &[&str]| {
        with(
            &["replay", "--protocol", "multi-paxos", "--nodes", "3", "-q"],
            changes,
        )
    };
    let analyze_with = |changes: &[&str]| with(&["analyze", &trace], changes);
    let sweep_with = |changes: &[&str]| with(&["sweep", "--timeouts", "2s", "-q"], changes);
    const U32: &str = "4294967295";
    const U64: &str = "18446744073709551615";
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            gen_with(&["--nodes", "-3"]),
            format!("--nodes: `-3` is not a node count; give a whole number from 1 to {U32}"),
        ),
        (
            gen_with(&["--seed", "-1"]),
            format!("--seed: `-1` is not a seed; give a whole number from 0 to {U64}"),
        ),
        (
            gen_with(&["--partitions", "-2"]),
            "--partitions: `-2` is not a number of partitions per day; give a number of 0 or more"
                .to_string(),
        ),
        (
            gen_with(&["--mttf", "-1h"]),
            "--mttf: `-1h` is not a duration: it must be a finite, non-negative length \
             (examples: 250ms, 30s, 2h, 30d, 1.5y)"
                .to_string(),
        ),
        (
            analyze_with(&["--population", "-4"]),
            "--population: `-4` is not a node count; give a whole number (at least the number \
             of nodes the trace names) or a file of node names"
                .to_string(),
        ),
        (
            analyze_with(&["--proc", "-1s"]),
            "--proc: `-1s` is not a duration: it must be a finite, non-negative length \
             (examples: 250ms, 30s, 2h, 30d, 1.5y)"
                .to_string(),
        ),
        (
            replay_with(&["--nodes", "-3"]),
            format!("--nodes: `-3` is not a node count; give a whole number from 2 to {U32}"),
        ),
        (
            replay_with(&["--seed", "-1"]),
            format!("--seed: `-1` is not a seed; give a whole number from 0 to {U64}"),
        ),
        (
            replay_with(&["--seeds", "-1..5"]),
            format!("--seeds: `-1` is not a seed; give a whole number from 0 to {U64}"),
        ),
        (
            replay_with(&["--rate", "-5"]),
            "--rate: `-5` is not a rate of commands per second; give a number above 0".to_string(),
        ),
        (
            replay_with(&["--clients", "-2"]),
            format!(
                "--clients: `-2` is not a number of clients; give a whole number from 1 to {U32}"
            ),
        ),
        (
            replay_with(&["--loss", "-0.1"]),
            "--loss: `-0.1` is not a probability; give a number from 0 to 1".to_string(),
        ),
        (
            replay_with(&["--threshold", "-8"]),
            "--threshold: `-8` is not a φ threshold; give a number above 0".to_string(),
        ),
        (
            replay_with(&["--heartbeat", "-1s"]),
            "--heartbeat: `-1s` is not a duration: it must be a finite, non-negative length \
             (examples: 250ms, 30s, 2h, 30d, 1.5y)"
                .to_string(),
        ),
        (
            sweep_with(&["--nodes", "-5"]),
            format!("--nodes: `-5` is not a node count; give a whole number from 2 to {U32}"),
        ),
        (
            sweep_with(&["--seeds", "0"]),
            format!("--seeds: `0` is not a number of seeds; give a whole number from 1 to {U64}"),
        ),
        (
            sweep_with(&["--loss", "2"]),
            "--loss: `2` is not a probability; give a number from 0 to 1".to_string(),
        ),
        (
            sweep_with(&["--max-mistake-rate", "-1"]),
            "--max-mistake-rate: `-1` is not a number of mistakes per node-hour; give a number \
             of 0 or more"
                .to_string(),
        ),
    ];
    for (args, message) in cases {
        assert_eq!(input_error_of(&args), error_line(&message), "{args:?}");
    }
}

#[test]
fn a_delay_without_a_unit_is_refused() {
    let base = ["replay", "--protocol", "heartbeat", "--nodes", "3", "-q"];
    assert_eq!(
        input_error_of(&with(&base, &["--delay", "const:5"])),
        error_line("--delay: const:5: the delay `5` needs a unit, e.g. 5ms")
    );
    assert_eq!(
        input_error(&[
            "analyze",
            &fixture("analyze/basic-interval.csv"),
            "--delay",
            "exp:mean=2"
        ]),
        error_line("--delay: exp:mean=2: the mean `2` needs a unit, e.g. 2ms")
    );
    let trace = fixture("errors/unitless-delay.csv");
    assert_eq!(
        input_error_of(&with(&base, &["--trace", &trace])),
        error_line(&format!(
            "{trace}: cannot replay this trace: a delay event: const:5: the delay `5` needs a \
             unit, e.g. 5ms"
        ))
    );
}

/// A row that stops before a required column says the field is missing; a row longer than the
/// header names the first field past it by position.
#[test]
fn short_and_long_rows_say_what_is_missing_or_extra() {
    for (file, message) in [
        (
            "errors/short-row.csv",
            "line 3: column `end`: missing (the row has 2 fields; the header has 3)",
        ),
        (
            "errors/short-event-row.csv",
            "line 3: column `event`: missing (the row has 2 fields; the header has 4)",
        ),
        (
            "errors/long-row.csv",
            "line 3: column 4 (no header): the row has 5 fields; the header has 3 (quote a field \
             that holds a comma)",
        ),
        (
            "errors/missing-key.jsonl",
            "line 2: column `end`: missing (the object has no `end` key)",
        ),
    ] {
        let path = fixture(file);
        assert_eq!(
            input_error(&["analyze", &path]),
            error_line(&format!("{path}: {message}"))
        );
    }
}
