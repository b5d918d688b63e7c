//! Inputs the fuzzers (`fuzz/`) found to crash faultline, kept so the fix stays: each must now
//! be refused as bad input (exit 2, the file named) without a panic.
//!
//! `fixtures/fuzz/parquet/`: damaged Parquet files, one for each place where polars' Parquet
//! reader panicked on them instead of returning an error (thrift metadata out of range, slices
//! past the end, failed assertions in the decoders, ...).

mod common;

use common::{faultline, root};

#[test]
fn damaged_parquet_files_are_refused_not_panicked_on() {
    let dir = root().join("fixtures/fuzz/parquet");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the crash inputs")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{} crash inputs", files.len());
    for file in &files {
        let path = file.to_string_lossy();
        let out = faultline(&["analyze", &path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert!(
            stderr.contains(path.as_ref()) && !stderr.contains("panicked"),
            "{path}: {stderr}"
        );
    }
}
