//! Inputs the fuzzers (`fuzz/`) found to crash faultline, kept so the fix stays: each must now
//! be refused as bad input (exit 2, the file named) without a panic.
//!
//! `fixtures/fuzz/parquet/`: damaged Parquet files, one for each place where polars' Parquet
//! reader panicked on them instead of returning an error (thrift metadata out of range, slices
//! past the end, failed assertions in the decoders, ...), two (24, 25) whose page headers
//! claim 2^64 values, for which polars reserved 2^61 bytes and the process aborted, and one (26)
//! whose footer declares a list of billions of elements, which aborted the same way. 27–29 were
//! built by hand in review, each a way past the first version of the checks: a column chunk
//! claiming no values whose dictionary page still claims a gigabyte (27) or 2^31 strings (28,
//! which aborted), and a dictionary page carrying a data page header too, so that the check
//! stopped early and an unchecked page followed (29). The
//! `trace` target's one hang, a LANL
//! system of 44 billion nodes, is written out below, as is the `flags` target's crash (nested
//! parentheses overflowing the parser's stack).

mod common;

use common::{faultline, root};

/// Damage that only polars' debug assertions notice: a release build (`cargo test --release`)
/// decodes these two as ordinary traces, which is fine as long as nothing panics.
const SEEN_BY_DEBUG_ASSERTIONS_ONLY: [&str; 2] = ["05.parquet", "09.parquet"];

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
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !cfg!(debug_assertions) && SEEN_BY_DEBUG_ASSERTIONS_ONLY.contains(&name) {
            assert!(!stderr.contains("panicked"), "{path}: {stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert!(
            stderr.contains(path.as_ref()) && !stderr.contains("panicked"),
            "{path}: {stderr}"
        );
    }
}

/// A LANL row whose `nodes` column claims 44,444,444,444 nodes: every node of a system is
/// declared by name, and the importer ran until it was killed. Now refused at the field.
#[test]
fn a_lanl_system_too_large_to_name_is_refused_at_its_field() {
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("lanl.csv");
    let header = std::fs::read_to_string(root().join("fixtures/import/lanl.csv"))
        .expect("the LANL fixture")
        .lines()
        .next()
        .expect("a header")
        .to_string();
    let row = "20,cluster,44444444444,16,4,0,0,Nov-96,Nov-96,current,part,4,1,1,1,compute,\
               1/15/2004 11:00,1/15/2004 13:00,120,,,,,,Kernel,No";
    std::fs::write(&path, format!("{header}\n{row}\n")).expect("written");
    let path = path.to_string_lossy();
    let e = common::input_error(&["analyze", &path]);
    assert!(
        e.contains("line 2") && e.contains("nodes") && e.contains("at most 100000 "),
        "{e}"
    );
}

/// The same damaged files given to `merge` as shards: refused, not panicked on (a reviewer found
/// the shard readers still called polars without containing it), and a shard whose footer
/// declares a list of billions of row groups, on which `merge` aborted when it first read the
/// schema (the `shard` target found it).
#[test]
fn damaged_parquet_files_are_refused_as_shards_too() {
    for name in [
        "parquet/01",
        "parquet/20",
        "parquet/22",
        "parquet/26",
        "shard/footer-list-of-billions",
    ] {
        let dir = tempfile::tempdir().expect("a folder");
        let crash = root().join(format!("fixtures/fuzz/{name}.parquet"));
        std::fs::copy(&crash, dir.path().join("shard-0.parquet")).expect("copied");
        let out = faultline(&["merge", &dir.path().to_string_lossy()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("the file is damaged") && !stderr.contains("panicked"),
            "{name}: {stderr}"
        );
    }
}

/// The `flags` target's crash: a timeout expression of deeply nested parentheses overflowed the
/// recursive parser's stack (the process aborted). Now refused, as is the same for system
/// expressions; both still read what people write.
#[test]
fn deeply_nested_expressions_are_refused_not_overflowed() {
    use faultline::analytics::system_expr::SystemExpr;
    use faultline::sim::timeout::TimeoutExpr;
    let deep = format!("{}2d{}", "(".repeat(400), ")".repeat(400));
    let e = TimeoutExpr::parse(&deep).expect_err("too deep");
    assert!(e.to_string().contains("nested more than 32 deep"), "{e}");
    let long = format!("1.5*(2d+r){}", "+r".repeat(600));
    let e = TimeoutExpr::parse(&long).expect_err("too long");
    assert!(e.to_string().contains("longer than 1000 characters"), "{e}");
    assert!(TimeoutExpr::parse("1.5*((2d+r))+h").is_ok());
    let deep = format!("{}n1{}", "series(".repeat(20_000), ")".repeat(20_000));
    let e = SystemExpr::parse(&deep).expect_err("too deep");
    assert!(e.to_string().contains("nested more than 64 deep"), "{e}");
    assert!(SystemExpr::parse("series(any(role=controller), k:2(group=cluster-a))").is_ok());
}

/// A shard whose count of shards was damaged to 4,294,901,762: merge formatted every missing
/// index (20 s and 19 GB before it was killed). Now it names ten and counts the rest.
#[test]
fn a_shard_claiming_billions_of_shards_is_answered_at_once() {
    let dir = tempfile::tempdir().expect("a folder");
    let found = root().join("fixtures/fuzz/shard/claims-4294901762-shards.parquet");
    std::fs::copy(&found, dir.path().join("shard-0.parquet")).expect("copied");
    let out = faultline(&["merge", &dir.path().to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("shards 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 4294901751 more of 4294901762"),
        "{stderr}"
    );
}
