//! Parquet traces read exactly as the CSV they hold: the interval fixture written as Parquet
//! (numbers as numbers, an empty fault as null) gives the golden analysis byte for byte, so
//! does a Titan history with timestamp and boolean columns, and a bad value is reported at its
//! line.

mod common;

use common::{fixture, input_error, ok};
use polars::prelude::*;

/// The interval fixture's rows as a Parquet file, in row groups of `group` rows if given.
fn write_fixture(path: &std::path::Path, group: Option<usize>) {
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
    ParquetWriter::new(file)
        .with_row_group_size(group)
        .finish(&mut df)
        .expect("write");
}

/// In one row group and in groups of three rows (read a run of groups at a time), the same.
#[test]
fn a_parquet_trace_analyses_as_its_csv() {
    for group in [None, Some(3)] {
        analyses_as_its_csv(group);
    }
}

fn analyses_as_its_csv(group: Option<usize>) {
    let dir = tempfile::tempdir().expect("a folder");
    let parquet = dir.path().join("basic.parquet");
    write_fixture(&parquet, group);
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

/// A Titan GPU history written with typed columns, as a Parquet-writing tool would: times as
/// timestamps (one missing), `out` as booleans, the duration as an integer. It analyses exactly
/// as the CSV it stands for.
#[test]
fn a_typed_parquet_trace_analyses_as_its_csv() {
    let dir = tempfile::tempdir().expect("a folder");
    let csv = dir.path().join("titan.csv");
    std::fs::write(
        &csv,
        "SN,location,insert,remove,duration,out,event\n\
         A,c13-5c2s2n1,2017-04-09 21:36:19,2018-03-03 08:00:00,28116461,FALSE,DBE\n\
         A,c3-2c1s3n1,2018-03-27 00:00:00,2018-05-29 12:30:00,5401800,TRUE,DBE\n\
         B,c5-0c2s4n2,,2017-08-22 00:00:00,0,TRUE,\n\
         C,c5-0c2s4n2,2017-08-22 00:00:00,2019-02-01 00:00:00,45273600,TRUE,OTB\n\
         D,c11-2c1s4n1,2016-01-01 00:00:00,2019-08-01 20:07:33,107654853,FALSE,\n",
    )
    .expect("written");
    let micros = |text: &str| {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .expect("a datetime")
            .and_utc()
            .timestamp_micros()
    };
    let timestamps = |name: &str, values: &[Option<&str>]| {
        let micros: Vec<Option<i64>> = values.iter().map(|v| v.map(micros)).collect();
        Series::new(name.into(), micros)
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .expect("timestamps")
            .into_column()
    };
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("SN".into(), ["A", "A", "B", "C", "D"]),
        Column::new(
            "location".into(),
            [
                "c13-5c2s2n1",
                "c3-2c1s3n1",
                "c5-0c2s4n2",
                "c5-0c2s4n2",
                "c11-2c1s4n1",
            ],
        ),
        timestamps(
            "insert",
            &[
                Some("2017-04-09 21:36:19"),
                Some("2018-03-27 00:00:00"),
                None,
                Some("2017-08-22 00:00:00"),
                Some("2016-01-01 00:00:00"),
            ],
        ),
        timestamps(
            "remove",
            &[
                Some("2018-03-03 08:00:00"),
                Some("2018-05-29 12:30:00"),
                Some("2017-08-22 00:00:00"),
                Some("2019-02-01 00:00:00"),
                Some("2019-08-01 20:07:33"),
            ],
        ),
        Column::new(
            "duration".into(),
            [28116461i64, 5401800, 0, 45273600, 107654853],
        ),
        Column::new("out".into(), [false, true, true, true, false]),
        Column::new(
            "event".into(),
            [Some("DBE"), Some("DBE"), None, Some("OTB"), None],
        ),
    ])
    .expect("a frame");
    let analysis = same_analysis(&csv, &mut df, None);
    // Four GPUs; two failed in service (A with DBE, C with OTB); B's removal has no event.
    let lifetimes = &analysis["lifetimes"];
    assert_eq!(
        (&lifetimes["units"], &lifetimes["failed"]),
        (&4.into(), &2.into()),
        "{analysis}"
    );
}

/// 150,000 outages in row groups of 50,000: read as two slices of whole groups (100,000 and
/// 50,000 rows), the analysis is the CSV's.
#[test]
fn a_parquet_trace_in_many_row_groups_analyses_as_its_csv() {
    let dir = tempfile::tempdir().expect("a folder");
    let rows = 150_000u32;
    let nodes: Vec<String> = (0..rows).map(|i| format!("n{}", i % 97)).collect();
    let starts: Vec<f64> = (0..rows).map(|i| f64::from(i) * 10.0).collect();
    let ends: Vec<f64> = (0..rows).map(|i| f64::from(i) * 10.0 + 2.5).collect();
    let mut text = String::from("node,start,end\n");
    for i in 0..rows as usize {
        text += &format!("{},{},{}\n", nodes[i], starts[i], ends[i]);
    }
    let csv = dir.path().join("many.csv");
    std::fs::write(&csv, text).expect("written");
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("node".into(), nodes),
        Column::new("start".into(), starts),
        Column::new("end".into(), ends),
    ])
    .expect("a frame");
    let analysis = same_analysis(&csv, &mut df, Some(50_000));
    assert_eq!(analysis["fleet"]["failures"], 150_000, "{analysis}");
}

/// Writes `df` as Parquet beside `csv` (in row groups of `group` rows if given), checks that
/// both analyse to the same JSON but for the file name, and returns the analysis.
fn same_analysis(
    csv: &std::path::Path,
    df: &mut DataFrame,
    group: Option<usize>,
) -> serde_json::Value {
    let parquet = csv.with_extension("parquet");
    ParquetWriter::new(std::fs::File::create(&parquet).expect("create"))
        .with_row_group_size(group)
        .finish(df)
        .expect("write");
    let (csv, parquet) = (csv.to_string_lossy(), parquet.to_string_lossy());
    let from_csv = ok(&["analyze", &csv, "--format", "json"]);
    let from_parquet = ok(&["analyze", &parquet, "--format", "json"]);
    assert_eq!(
        from_parquet.replace(parquet.as_ref(), "TRACE"),
        from_csv.replace(csv.as_ref(), "TRACE")
    );
    serde_json::from_str(&from_csv).expect("JSON")
}
