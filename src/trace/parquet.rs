//! Parquet traces: a Parquet file with the columns of one of the CSV layouts (interval, event,
//! LANL, FTA, Backblaze, Titan) reads exactly as that CSV would.
//!
//! The file is recognised by its magic bytes (`PAR1`), read with polars, and rendered as the CSV
//! it stands for — the column names as the header, every value as text (null as an empty field)
//! — which then goes through the layout's own reader, so detection, validation and error
//! messages are the CSV path's: a row is reported as `line N`, the header being line 1. The
//! rendering is held in memory, about the size of the CSV.
//!
//! A damaged or hostile file is refused as [`TraceError::Parquet`] before polars can panic or
//! allocate what the file claims: see [`super::parquet_safe`].

use std::path::Path;

use polars::prelude::*;

use super::error::TraceError;
use super::parquet_safe::{ReadError, contained, read_frame};

/// Whether `head` (the first bytes of a file) opens a Parquet file.
pub fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

/// The CSV text a Parquet file at `path` stands for.
pub fn as_csv(path: &Path) -> Result<Vec<u8>, TraceError> {
    let file = path.display().to_string();
    let bad = |reason: String| TraceError::Parquet {
        file: file.clone(),
        reason,
    };
    let df = read_frame(path).map_err(|e| match e {
        ReadError::Io(source) => TraceError::Io {
            file: file.clone(),
            source,
        },
        ReadError::Damaged(reason) => bad(reason),
    })?;
    let mut columns = Vec::with_capacity(df.width());
    for column in df.columns() {
        let text = contained(|| column.cast(&DataType::String))
            .map_err(|reason| bad(format!("column `{}` is damaged ({reason})", column.name())))?
            .map_err(|e| bad(format!("column `{}`: {e}", column.name())))?;
        if text.len() != df.height() {
            return Err(bad(format!(
                "the file is damaged (column `{}` holds {} values for {} rows)",
                column.name(),
                text.len(),
                df.height()
            )));
        }
        columns.push(text.as_materialized_series().clone());
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    out.write_record(&header).map_err(|e| bad(e.to_string()))?;
    let texts: Vec<&StringChunked> = columns
        .iter()
        .map(|s| s.str().map_err(|e| bad(e.to_string())))
        .collect::<Result<_, _>>()?;
    for row in 0..df.height() {
        out.write_record(texts.iter().map(|c| c.get(row).unwrap_or("")))
            .map_err(|e| bad(e.to_string()))?;
    }
    out.into_inner().map_err(|e| bad(e.to_string()))
}
