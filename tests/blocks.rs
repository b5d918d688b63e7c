//! End-to-end tests of reading large CSV traces in parallel blocks: the result and the line
//! numbers of errors must be exactly those of a sequential read.

mod common;

use common::{input_error, ok};

/// An interval trace of about 12 MB (three 4 MB blocks), as text.
fn big_trace() -> String {
    ok(&[
        "gen",
        "--nodes",
        "300",
        "--duration",
        "10y",
        "--mttf",
        "3d",
        "--mttr",
        "1h",
        "--seed",
        "5",
        "--layout",
        "interval",
    ])
}

fn analyze_text(dir: &tempfile::TempDir, name: &str, text: &str, extra: &[&str]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write trace");
    let path = path.display().to_string();
    ok(&[&["analyze", path.as_str(), "--format", "json"][..], extra].concat())
}

#[test]
fn parallel_blocks_read_like_one_sequential_reader() {
    let text = big_trace();
    assert!(text.len() > 8 << 20, "the trace must span several blocks");
    let dir = tempfile::tempdir().expect("tempdir");
    let parallel = analyze_text(&dir, "plain.csv", &text, &[]);
    // A quote sends the reader down the sequential path from the first block on; quoting a
    // node name changes nothing else.
    let (header, rows) = text.split_once('\n').expect("a header");
    let (first, rest) = rows.split_once(',').expect("a node");
    let quoted = format!("{header}\n\"{first}\",{rest}");
    let sequential = analyze_text(&dir, "quoted.csv", &quoted, &[]);
    assert_eq!(parallel, sequential);
}

#[test]
fn errors_in_late_blocks_name_their_line() {
    let mut text = big_trace();
    let lines = text.lines().count();
    text.push_str("n1,later,5,\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, &text).expect("write trace");
    let stderr = input_error(&["analyze", &path.display().to_string()]);
    assert!(
        stderr.contains(&format!("line {}: column `start`", lines + 1)),
        "{stderr}"
    );
}

#[test]
fn skipped_rows_are_counted_across_blocks() {
    let text = big_trace();
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    for at in [n - 1, n / 2, 5] {
        lines.insert(at, "n1,x,5,");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = analyze_text(
        &dir,
        "skips.csv",
        &(lines.join("\n") + "\n"),
        &["--skip-bad-rows"],
    );
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    let warning = report["warnings"][0].as_str().unwrap_or("");
    assert!(warning.contains("skipped 3 bad row(s)"), "{warning}");
    assert!(warning.contains("line 6: column `start`"), "{warning}");
}

#[test]
fn bad_rows_are_reported_alike_by_both_readers() {
    // An unquoted file is split at commas directly; a quote anywhere sends it through the CSV
    // reader. Both must name the same line, column and reason.
    let dir = tempfile::tempdir().expect("tempdir");
    for bad in ["n2,5", "n2", "n2,5,6,7", "n2,5,", "n2,,6", "n2,x,6", ",5,6"] {
        let plain = format!("node,start,end\nn1,1,2\n{bad}\n");
        let quoted = format!("node,start,end\n\"n1\",1,2\n{bad}\n");
        let message = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write trace");
            let stderr = input_error(&["analyze", &path.display().to_string()]);
            stderr.replace(&path.display().to_string(), "FILE")
        };
        assert_eq!(
            message("plain.csv", &plain),
            message("quoted.csv", &quoted),
            "{bad}"
        );
    }
}
