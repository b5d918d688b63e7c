//! Walking the rows of a trace file and routing bad ones.
//!
//! Every reader hands each row to a closure that parses it and returns a [`FieldError`] for a
//! bad field; [`BadRows`] then either stops the read with that error placed at its file and line,
//! or, with `--skip-bad-rows`, counts it and goes on.

use std::io::{BufRead, Read};

use super::error::{FieldError, TraceError};

/// Fails on the first bad row, or counts bad rows when told to skip them.
#[derive(Debug)]
pub struct BadRows {
    skip: bool,
    count: u64,
    first: Option<String>,
}

impl BadRows {
    /// Stops at the first bad row (`skip = false`) or counts them (`skip = true`).
    pub fn new(skip: bool) -> Self {
        Self {
            skip,
            count: 0,
            first: None,
        }
    }

    /// An empty counter with the same policy, for a block read in parallel.
    pub fn fresh(&self) -> Self {
        Self::new(self.skip)
    }

    /// Adds the counts of a block read after everything counted so far.
    pub fn absorb(&mut self, later: BadRows) {
        self.count += later.count;
        if self.first.is_none() {
            self.first = later.first;
        }
    }

    /// Returns the error, or counts it when skipping.
    pub fn handle(&mut self, err: TraceError) -> Result<(), TraceError> {
        if !self.skip {
            return Err(err);
        }
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(err.to_string());
        }
        Ok(())
    }

    /// The warning that reports skipped rows, if any were skipped.
    pub fn warning(&self, file: &str) -> Option<String> {
        self.first.as_ref().map(|first| {
            format!(
                "{file}: skipped {} bad row(s) (--skip-bad-rows); the first: {first}",
                self.count
            )
        })
    }
}

/// Opens a CSV reader with the settings all faultline CSV readers share: rows of any length
/// (checked by the readers, with better messages) and `#` comment lines. Fields are not trimmed
/// here: readers trim the fields they use, which is cheaper than trimming every field.
pub fn csv_reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(input)
}

/// A CSV reader for rows without a header line (a block from the middle of a file).
pub fn csv_body_reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(input)
}

/// Turns a csv-crate error into a trace error placed at its line (after `lines_before` lines
/// the reader did not see).
pub fn csv_error(file: &str, err: csv::Error, lines_before: u64) -> TraceError {
    let line = lines_before + err.position().map_or(0, |p| p.line());
    if let csv::ErrorKind::Io(_) = err.kind() {
        return TraceError::Io {
            file: file.to_string(),
            source: std::io::Error::other(err.to_string()),
        };
    }
    FieldError::row(format!("not valid CSV: {err}")).at(file, line)
}

/// Calls `row` with every record of `reader`; errors are placed `lines_before` lines further
/// than the reader counts (for a reader that starts mid-file).
pub fn each_record<R: Read>(
    file: &str,
    reader: &mut csv::Reader<R>,
    lines_before: u64,
    bad_rows: &mut BadRows,
    mut row: impl FnMut(&csv::StringRecord) -> Result<(), FieldError>,
) -> Result<(), TraceError> {
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(err) => {
                bad_rows.handle(csv_error(file, err, lines_before))?;
                continue;
            }
        }
        if let Err(err) = row(&record) {
            let line = lines_before + record.position().map_or(0, |p| p.line());
            bad_rows.handle(err.at(file, line))?;
        }
    }
}

/// The position of the column `name` in an importer's header, or an error saying that the
/// `layout` needs it.
pub fn required_column(
    file: &str,
    header: &csv::StringRecord,
    layout: &str,
    name: &str,
) -> Result<usize, TraceError> {
    header
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| TraceError::BadHeader {
            file: file.to_string(),
            reason: format!("the {layout} layout needs a `{name}` column"),
        })
}

/// Calls `row` with every non-blank line of a line-based file (JSONL, FTA).
pub fn each_line(
    file: &str,
    input: impl BufRead,
    bad_rows: &mut BadRows,
    mut row: impl FnMut(&str) -> Result<(), FieldError>,
) -> Result<(), TraceError> {
    for (index, line) in input.lines().enumerate() {
        let line = line.map_err(|source| TraceError::Io {
            file: file.to_string(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        if let Err(err) = row(&line) {
            bad_rows.handle(err.at(file, index as u64 + 1))?;
        }
    }
    Ok(())
}
