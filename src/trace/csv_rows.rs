//! Reader for faultline's own CSV layouts: interval CSV (`node,start,end[,fault]...`) and event
//! CSV (`time,node,event[,fault][,detail]...`). Columns are found by header name, in any order;
//! other columns are kept as attributes. Lines starting with `#` are comments.
//!
//! A row may stop before optional columns (they read as empty), but not before a required one
//! (``column `end`: missing (the row has 2 fields; the header has 3)``), and may not have more
//! fields than the header (`column 4 (no header): ...`). Both the CSV reader and the fast path
//! for quote-free blocks hand their fields to `RowParser::row`, so they report alike.

use std::io::{BufRead, Cursor, Read};

use super::blocks::{ParseRows, Sink, read_blocks};
use super::builder::TraceBuilder;
use super::error::{Column, FieldError, TraceError, check_row_length, field_count};
use super::records::{BadRows, csv_body_reader, csv_error, csv_reader, each_record};
use super::rows::{
    EVENT_COLUMNS, EventFields, INTERVAL_COLUMNS, IntervalFields, add_event, add_interval,
};
use super::time::TimeParser;

/// Which of the two layouts a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One row per down interval.
    Interval,
    /// One row per state change or scenario event.
    Event,
}

/// The position of each required or optional column in the header.
struct Columns {
    names: Vec<String>,
    wanted: Vec<Option<usize>>,
    /// Positions of the required columns.
    required: Vec<usize>,
    extras: Vec<usize>,
}

impl Columns {
    fn find(names: Vec<String>, wanted: &[&str], required: usize) -> Result<Self, String> {
        let position = |name: &str| names.iter().position(|n| n == name);
        let found: Vec<Option<usize>> = wanted.iter().map(|w| position(w)).collect();
        if let Some(missing) = wanted[..required]
            .iter()
            .zip(&found)
            .find(|(_, f)| f.is_none())
        {
            return Err(format!(
                "the header has no `{}` column; expected `{}` (found `{}`)",
                missing.0,
                wanted[..required].join(","),
                names.join(",")
            ));
        }
        let extras = (0..names.len())
            .filter(|i| !found.contains(&Some(*i)) && !names[*i].is_empty())
            .collect();
        Ok(Self {
            required: found[..required].iter().flatten().copied().collect(),
            names,
            wanted: found,
            extras,
        })
    }

    fn field<'r>(&self, fields: &[&'r str], wanted: usize) -> &'r str {
        self.wanted[wanted]
            .and_then(|i| fields.get(i).copied())
            .unwrap_or("")
    }
}

/// Reads one interval or event CSV into the builder, in parallel blocks (see [`super::blocks`]).
pub fn read(
    file: &str,
    mut input: impl BufRead,
    size_hint: Option<u64>,
    layout: Layout,
    builder: &mut TraceBuilder,
    times: &mut TimeParser,
    bad_rows: &mut BadRows,
) -> Result<(), TraceError> {
    let (header, lines_before) = header_line(file, &mut input)?;
    let names: Vec<String> = csv_reader(header.as_bytes())
        .headers()
        .map_err(|e| csv_error(file, e, lines_before - 1))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let (wanted, required): (&[&str], usize) = match layout {
        Layout::Interval => (&INTERVAL_COLUMNS, 3),
        Layout::Event => (&EVENT_COLUMNS, 3),
    };
    let columns =
        Columns::find(names, wanted, required).map_err(|reason| TraceError::BadHeader {
            file: file.to_string(),
            reason,
        })?;
    let rows = RowParser {
        file,
        columns,
        layout,
    };
    let sink = Sink {
        builder,
        times,
        bad_rows,
    };
    read_blocks(file, input, size_hint, lines_before, &rows, sink)
}

/// Reads up to and including the header line (skipping blank and `#` lines before it); returns
/// it and the number of lines read.
fn header_line(file: &str, input: &mut impl BufRead) -> Result<(String, u64), TraceError> {
    let mut lines = 0;
    let mut line = String::new();
    loop {
        line.clear();
        let read = input
            .read_line(&mut line)
            .map_err(|source| TraceError::Io {
                file: file.to_string(),
                source,
            })?;
        lines += 1;
        let text = line.trim();
        if read == 0 || (!text.is_empty() && !text.starts_with('#')) {
            return Ok((text.trim_start_matches('\u{feff}').to_string(), lines));
        }
    }
}

/// Parses the rows of one layout, for any stretch of the file.
struct RowParser<'a> {
    file: &'a str,
    columns: Columns,
    layout: Layout,
}

impl RowParser<'_> {
    /// Interprets the fields of one row.
    fn row(
        &self,
        fields: &[&str],
        builder: &mut TraceBuilder,
        times: &mut TimeParser,
    ) -> Result<(), FieldError> {
        let columns = &self.columns;
        let (len, header) = (fields.len(), columns.names.len());
        if len > header {
            return Err(FieldError {
                column: Column::Unnamed(header + 1),
                reason: format!(
                    "the row has {}; the header has {header} (quote a field that holds a comma)",
                    field_count(len)
                ),
            });
        }
        check_row_length(&columns.names, &columns.required, len)?;
        let extras = columns.extras.iter().map(|&i| {
            (
                columns.names[i].as_str(),
                fields.get(i).copied().unwrap_or(""),
            )
        });
        match self.layout {
            Layout::Interval => {
                let row = IntervalFields {
                    node: columns.field(fields, 0),
                    start: columns.field(fields, 1),
                    end: columns.field(fields, 2),
                    fault: columns.field(fields, 3),
                };
                add_interval(builder, times, row, extras)
            }
            Layout::Event => {
                let row = EventFields {
                    time: columns.field(fields, 0),
                    node: columns.field(fields, 1),
                    event: columns.field(fields, 2),
                    fault: columns.field(fields, 3),
                    detail: columns.field(fields, 4),
                };
                add_event(builder, times, row, extras)
            }
        }
    }
}

impl ParseRows for RowParser<'_> {
    fn parse(
        &self,
        input: &mut dyn Read,
        lines_before: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), TraceError> {
        let mut reader = csv_body_reader(input);
        let (builder, times) = (&mut *sink.builder, &mut *sink.times);
        each_record(
            self.file,
            &mut reader,
            lines_before,
            sink.bad_rows,
            |record| {
                let fields: Vec<&str> = record.iter().collect();
                self.row(&fields, builder, times)
            },
        )
    }

    /// Without quotes (the caller checked) and without lone carriage returns, CSV is lines split
    /// at commas: splitting them directly is several times cheaper than the general CSV state
    /// machine, and gives the same fields. Anything else goes through the CSV reader.
    fn parse_block(
        &self,
        block: &[u8],
        lines_before: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), TraceError> {
        let text = match std::str::from_utf8(block) {
            Ok(text) if memchr::memchr(b'\r', block).is_none() => text,
            _ => {
                return self.parse(&mut Cursor::new(block), lines_before, sink);
            }
        };
        let mut fields: Vec<&str> = Vec::with_capacity(self.columns.names.len());
        for (index, line) in split_at_byte(text, b'\n').enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            fields.clear();
            fields.extend(split_at_byte(line, b','));
            if let Err(err) = self.row(&fields, sink.builder, sink.times) {
                let line = lines_before + index as u64 + 1;
                sink.bad_rows.handle(err.at(self.file, line))?;
            }
        }
        Ok(())
    }
}

/// `text.split(byte as char)` for an ASCII `byte`, found with `memchr`: `str::split` with a
/// `char` checks each match with a call to `memcmp`, 5 % of reading a large trace.
fn split_at_byte(text: &str, byte: u8) -> impl Iterator<Item = &str> {
    debug_assert!(byte.is_ascii());
    let ends = memchr::memchr_iter(byte, text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    // An ASCII byte never falls inside a multi-byte character, so every slice is whole.
    ends.map(move |end| {
        let piece = &text[start..end];
        start = end + 1;
        piece
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn splitting_at_a_byte_matches_str_split() {
        for text in ["", ",", "a,b", "a,,b,", "ä,ö,", "\n\nx\n", "no separator"] {
            for byte in [b',', b'\n'] {
                let ours: Vec<&str> = super::split_at_byte(text, byte).collect();
                let std: Vec<&str> = text.split(byte as char).collect();
                assert_eq!(ours, std, "{text:?}");
            }
        }
    }
}
