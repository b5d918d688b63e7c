//! End-to-end tests of the messages of bad input: each case runs the binary and compares the
//! whole of standard error, and the exit code 2.

mod common;

use common::{fixture, input_error};

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
