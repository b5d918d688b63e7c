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

/// `k:500` on a 3-node trace is never up: availability 0, whose nines `-log10(1 - 0)` come out of
/// the arithmetic as `-0.0`. Every format shows zero.
#[test]
fn no_format_prints_a_negative_zero() {
    let trace = fixture("analyze/basic-interval.csv");
    for format in ["table", "md", "csv", "json"] {
        let out = ok(&["analyze", &trace, "--system", "k:500", "--format", format]);
        assert!(!out.contains("-0"), "{format}: {out}");
        let system = out
            .lines()
            .find(|l| l.trim_start_matches("| ").starts_with("system"))
            .unwrap_or("");
        let expected = match format {
            "table" => {
                "system (k:500)         1  19.2 min        0.00 %  0.0 nines  19.2 min       0 s  19.2 min            1 y"
            }
            "md" => {
                "| system (k:500) |        1 | 19.2 min |       0.00 % | 0.0 nines | 19.2 min |      0 s | 19.2 min |           1 y |"
            }
            "csv" => "system,k:500,3,1,0,1150,0,0,1150,0,1150,31536000",
            _ => "",
        };
        if format == "json" {
            assert!(
                out.contains("\"availability\": 0.0,\n    \"nines\": 0.0,"),
                "{out}"
            );
        } else {
            assert_eq!(system, expected, "{format}");
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    ok(&[
        "report", &trace, "--system", "k:500", "--out", &out, "--quiet",
    ]);
    for file in ["metrics.json", "report.md", "index.html"] {
        let text = std::fs::read_to_string(dir.path().join(file)).expect("report file");
        assert!(!text.contains("-0.0"), "{file}");
    }
}
