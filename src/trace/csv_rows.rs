//! Reader for faultline's own CSV layouts: interval CSV (`node,start,end[,fault]...`) and event
//! CSV (`time,node,event[,fault][,detail]...`). Columns are found by header name, in any order;
//! other columns are kept as attributes. Lines starting with `#` are comments.

use std::io::Read;

use super::builder::TraceBuilder;
use super::error::{FieldError, TraceError};
use super::records::{BadRows, csv_error, csv_reader, each_record};
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
            names,
            wanted: found,
            extras,
        })
    }

    fn field<'r>(&self, record: &'r csv::StringRecord, wanted: usize) -> &'r str {
        self.wanted[wanted]
            .and_then(|i| record.get(i))
            .unwrap_or("")
    }
}

/// Reads one interval or event CSV into the builder.
pub fn read(
    file: &str,
    input: impl Read,
    layout: Layout,
    builder: &mut TraceBuilder,
    times: &mut TimeParser,
    bad_rows: &mut BadRows,
) -> Result<(), TraceError> {
    let mut reader = csv_reader(input);
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(file, e))?
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
    each_record(file, &mut reader, bad_rows, |record| {
        if record.len() > columns.names.len() {
            return Err(FieldError::new(
                "-",
                format!(
                    "the row has {} fields but the header names {}; quote fields that hold commas",
                    record.len(),
                    columns.names.len()
                ),
            ));
        }
        let extras = columns
            .extras
            .iter()
            .map(|&i| (columns.names[i].as_str(), record.get(i).unwrap_or("")));
        match layout {
            Layout::Interval => {
                let row = IntervalFields {
                    node: columns.field(record, 0),
                    start: columns.field(record, 1),
                    end: columns.field(record, 2),
                    fault: columns.field(record, 3),
                };
                add_interval(builder, times, row, extras)
            }
            Layout::Event => {
                let row = EventFields {
                    time: columns.field(record, 0),
                    node: columns.field(record, 1),
                    event: columns.field(record, 2),
                    fault: columns.field(record, 3),
                    detail: columns.field(record, 4),
                };
                add_event(builder, times, row, extras)
            }
        }
    })
}
