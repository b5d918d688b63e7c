//! Parquet traces: a Parquet file with the columns of one of the CSV layouts (interval, event,
//! LANL, FTA, Backblaze, Titan) reads exactly as that CSV would.
//!
//! The file is recognised by its magic bytes (`PAR1`), read with polars, and rendered as the CSV
//! it stands for — the column names as the header, every value as text (null as an empty field)
//! — which then goes through the layout's own reader, so detection, validation and error
//! messages are the CSV path's: a row is reported as `line N`, the header being line 1.
//!
//! The rendering is a stream ([`CsvStream`]): one row group (or a run of small ones) is decoded
//! and rendered at a time, so memory holds the file's bytes and one group's text, not the whole
//! file as CSV.
//!
//! A damaged or hostile file is refused as [`TraceError::Parquet`] before polars can panic or
//! allocate what the file claims: see [`super::parquet_safe`]. A row group that fails to decode
//! later is a read error of the stream, reported with the file's name.

use std::io::Read;
use std::path::Path;

use polars::prelude::*;

use super::error::TraceError;
use super::parquet_safe::{Checked, ReadError, contained, read_checked};

/// Rows rendered at a time, at least (whole row groups).
const SLICE: usize = 1 << 16;

/// Whether `head` (the first bytes of a file) opens a Parquet file.
pub fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

/// The CSV text a Parquet file stands for, rendered one row group at a time as it is read.
pub struct CsvStream {
    file: Checked,
    /// The slices of rows not yet rendered, in file order: the rows before each, and its rows.
    /// A slice is one or more whole row groups.
    groups: std::vec::IntoIter<(usize, usize)>,
    /// Rendered text not yet read, from `read_at`.
    text: Vec<u8>,
    read_at: usize,
}

impl CsvStream {
    /// Opens the Parquet file at `path`: checks it and renders the header.
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let file = path.display().to_string();
        let bad = |reason: String| TraceError::Parquet {
            file: file.clone(),
            reason,
        };
        let checked = read_checked(path).map_err(|e| match e {
            ReadError::Io(source) => TraceError::Io {
                file: file.clone(),
                source,
            },
            ReadError::Damaged(reason) => bad(reason),
        })?;
        let schema = contained(|| checked.reader().schema())
            .map_err(|reason| bad(format!("the file is damaged ({reason})")))?
            .map_err(|e| bad(e.to_string()))?;
        let mut header = csv::Writer::from_writer(Vec::new());
        header
            .write_record(schema.iter_names().map(|n| n.as_str()))
            .map_err(|e| bad(e.to_string()))?;
        let text = header.into_inner().map_err(|e| bad(e.to_string()))?;
        // Consecutive row groups make one slice of at least SLICE rows: many small groups
        // would each cost a pass of polars' reader.
        let mut slices: Vec<(usize, usize)> = Vec::new();
        let mut before = 0;
        for n in checked.row_groups() {
            match slices.last_mut() {
                Some((_, count)) if *count < SLICE => *count += n,
                _ => slices.push((before, n)),
            }
            before += n;
        }
        slices.retain(|&(_, n)| n > 0);
        Ok(Self {
            file: checked,
            groups: slices.into_iter(),
            text,
            read_at: 0,
        })
    }

    /// Renders the rows `first..first + count` into `self.text`.
    fn render(&mut self, (first, count): (usize, usize)) -> Result<(), String> {
        let file = &self.file;
        let df = contained(|| file.reader().with_slice(Some((first, count))).finish())
            .map_err(|reason| format!("the file is damaged ({reason})"))?
            .map_err(|e| e.to_string())?;
        let mut columns = Vec::with_capacity(df.width());
        for column in df.columns() {
            let text = contained(|| column.cast(&DataType::String))
                .map_err(|reason| format!("column `{}` is damaged ({reason})", column.name()))?
                .map_err(|e| format!("column `{}`: {e}", column.name()))?;
            if text.len() != df.height() {
                return Err(format!(
                    "the file is damaged (column `{}` holds {} values for {} rows)",
                    column.name(),
                    text.len(),
                    df.height()
                ));
            }
            columns.push(text.as_materialized_series().clone());
        }
        let texts: Vec<&StringChunked> = columns
            .iter()
            .map(|s| s.str().map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        self.text.clear();
        self.read_at = 0;
        let mut out = csv::Writer::from_writer(std::mem::take(&mut self.text));
        for row in 0..df.height() {
            out.write_record(texts.iter().map(|c| c.get(row).unwrap_or("")))
                .map_err(|e| e.to_string())?;
        }
        self.text = out.into_inner().map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl Read for CsvStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.read_at == self.text.len() {
            let Some(group) = self.groups.next() else {
                return Ok(0);
            };
            self.render(group)
                .map_err(|reason| std::io::Error::new(std::io::ErrorKind::InvalidData, reason))?;
        }
        let n = buf.len().min(self.text.len() - self.read_at);
        buf[..n].copy_from_slice(&self.text[self.read_at..self.read_at + n]);
        self.read_at += n;
        Ok(n)
    }
}
