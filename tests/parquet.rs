//! Parquet traces read exactly as the CSV they hold: the interval fixture written as Parquet
//! (numbers as numbers, an empty fault as null) gives the golden analysis byte for byte, and a
//! bad value is reported at its line.

mod common;

use common::{fixture, input_error, ok};
use polars::prelude::*;

/// The interval fixture's rows as a Parquet file.
fn write_fixture(path: &std::path::Path) {
    let text = std::fs::read_to_string(fixture("analyze/basic-interval.csv")).expect("fixture");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let text_col = |i: usize| -> Vec<Option<String>> {
        rows.iter()
            .map(|r| Some(r[i].to_string()).filter(|v| !v.is_empty()))
            .collect()
    };
    let number = |i: usize| -> Vec<f64> { rows.iter().map(|r| r[i].parse().unwrap()).collect() };
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("node".into(), text_col(0)),
        Column::new("start".into(), number(1)),
        Column::new("end".into(), number(2)),
        Column::new("fault".into(), text_col(3)),
        Column::new("group".into(), text_col(4)),
    ])
    .expect("a frame");
    let file = std::fs::File::create(path).expect("create");
    ParquetWriter::new(file).finish(&mut df).expect("write");
}

#[test]
fn a_parquet_trace_analyses_as_its_csv() {
    let dir = tempfile::tempdir().expect("a folder");
    let parquet = dir.path().join("basic.parquet");
    write_fixture(&parquet);
    let csv = fixture("analyze/basic-interval.csv");
    for format in ["json", "table"] {
        let args = |path: &str| {
            vec![
                "analyze".to_string(),
                path.to_string(),
                "--window".into(),
                "100,1100".into(),
                "--population".into(),
                "4".into(),
                "--by".into(),
                "fault".into(),
                "--system".into(),
                "quorum".into(),
                "--format".into(),
                format.into(),
            ]
        };
        let from_csv = ok(&args(&csv).iter().map(String::as_str).collect::<Vec<_>>());
        let p = parquet.to_string_lossy().to_string();
        let from_parquet = ok(&args(&p).iter().map(String::as_str).collect::<Vec<_>>());
        // Only the file name differs.
        assert_eq!(
            from_parquet.replace(&p, "TRACE"),
            from_csv.replace(&csv, "TRACE"),
            "{format}"
        );
    }
}

#[test]
fn a_bad_value_in_a_parquet_trace_names_its_line() {
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join("bad.parquet");
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("node".into(), vec!["n1", "n2"]),
        Column::new("start".into(), vec!["10", "soon"]),
        Column::new("end".into(), vec!["20", "30"]),
    ])
    .expect("a frame");
    ParquetWriter::new(std::fs::File::create(&path).expect("create"))
        .finish(&mut df)
        .expect("write");
    let e = input_error(&["analyze", &path.to_string_lossy()]);
    assert!(e.contains("line 3") && e.contains("start"), "{e}");
}

/// `analyze --format parquet` holds the CSV's rows and columns, numbers typed as numbers.
#[test]
fn the_node_table_as_parquet_holds_the_csv() {
    let trace = fixture("analyze/basic-interval.csv");
    let args = |format: &'static str| {
        [
            "analyze",
            trace.as_str(),
            "--system",
            "quorum",
            "--format",
            format,
        ]
    };
    let csv = ok(&args("csv"));
    let parquet = common::faultline(&args("parquet"));
    assert!(parquet.status.success());
    let frame = ParquetReader::new(std::io::Cursor::new(parquet.stdout))
        .finish()
        .expect("a Parquet file");
    let lines: Vec<&str> = csv.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|n| n.as_str())
        .collect();
    assert_eq!(names, header);
    assert_eq!(frame.height(), lines.len() - 1);
    assert_eq!(
        frame.column("scope").expect("scope").dtype(),
        &DataType::String
    );
    assert_eq!(
        frame.column("failures").expect("failures").dtype(),
        &DataType::Int64
    );
    // Every value reads back as the CSV wrote it.
    for (row, line) in lines[1..].iter().enumerate() {
        for (column, field) in header.iter().zip(line.split(',')) {
            let value = frame.column(column).expect("column").get(row).expect("row");
            let text = match value {
                AnyValue::Null => String::new(),
                AnyValue::String(s) => s.to_string(),
                AnyValue::Float64(x) => x.to_string(),
                AnyValue::Int64(i) => i.to_string(),
                other => panic!("row {row}, {column}: unexpected {other:?}"),
            };
            assert_eq!(text, field, "row {row}, {column}");
        }
    }
}
