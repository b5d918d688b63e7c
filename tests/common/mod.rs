//! Helpers shared by the end-to-end tests: run the binary, read fixtures, compare golden files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `fixtures/`.
pub fn fixture(name: &str) -> String {
    root().join("fixtures").join(name).display().to_string()
}

/// Runs `faultline` with arguments.
pub fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the faultline binary runs")
}

/// Runs `faultline`, expects success, returns standard output.
pub fn ok(args: &[&str]) -> String {
    let out = faultline(args);
    assert!(
        out.status.success(),
        "faultline {args:?} failed with {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs `faultline`, expects exit code 2 and no standard output, returns standard error.
pub fn input_error(args: &[&str]) -> String {
    let out = faultline(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "faultline {args:?} should exit 2; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "nothing may reach stdout on error, got: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("utf-8 stderr")
}

/// Runs `faultline ... --format json` and parses the result.
pub fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&ok(&all)).expect("valid JSON")
}

/// Compares `actual` with the golden file `fixtures/<name>`; `UPDATE_EXPECTED=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = root().join("fixtures").join(name);
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_EXPECTED=1",
            path.display()
        )
    });
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

/// Asserts two floats are equal up to round-off.
pub fn close(actual: &serde_json::Value, expected: f64) {
    let value = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!(
        (value - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{value} != {expected}"
    );
}

/// Whether a path exists.
pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// The entry of node `name` in an analysis's `nodes`.
pub fn node<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["nodes"]
        .as_array()
        .and_then(|nodes| nodes.iter().find(|n| n["node"] == name))
        .unwrap_or_else(|| panic!("node {name} missing"))
}

/// Runs `faultline replay --protocol PROTOCOL --format json -q` with more arguments; returns the
/// exit code and the parsed report (whatever the exit code: a violation still prints it).
pub fn replay_json(protocol: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["replay", "--protocol", protocol, "--format", "json", "-q"];
    args.extend(extra);
    let out = faultline(&args);
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report on stdout");
    (out.status.code(), report)
}

/// The harness's protocol called `name`.
pub fn protocol(name: &str) -> faultline::harness::replay::Protocol {
    faultline::harness::replay::Protocol::named(name).expect("a registered protocol")
}
