//! Importer for Backblaze drive lifetimes (`serial_number,model,capacity_bytes,min_date,
//! max_date,first_fail`), one row per drive as aggregated from Backblaze Drive Stats.
//!
//! Drives are non-repairable units: a drive lives from `min_date` until `first_fail`, or is
//! right-censored at `max_date` when `first_fail` is empty. Dates are whole days of daily
//! snapshots, so times are known to the day only: a drive seen on `max_date` worked through that
//! day and is censored at its end; a drive that failed on `first_fail` failed at some time during
//! that day, taken as its middle (the unbiased choice for a failure uniform within the day).
//! node = `serial_number`, `group` = `model`; the drive's service window is `min_date` to the end
//! of `max_date`, and a failure is an outage that never ends (the drive is replaced, not
//! repaired), so analytics reads the drive's life from its window and its first outage.

use std::io::Read;

use crate::trace::builder::TraceBuilder;
use crate::trace::error::{FieldError, TraceError, check_row_length};
use crate::trace::model::{Fault, Service};
use crate::trace::records::{BadRows, csv_error, csv_reader, each_record, required_column};
use crate::trace::time::{TimeKind, parse_datetime};
use crate::units::DAY;

/// Whether a header row is the Backblaze lifetime layout.
pub fn matches(header: &[String]) -> bool {
    ["serial_number", "min_date", "max_date", "first_fail"]
        .iter()
        .all(|c| header.iter().any(|h| h == c))
}

fn date(column: &str, text: &str) -> Result<f64, FieldError> {
    parse_datetime(text)
        .ok_or_else(|| FieldError::new(column, format!("`{text}` is not a date (YYYY-MM-DD)")))
}

/// The end of the day a date names.
fn end_of(column: &str, text: &str) -> Result<f64, FieldError> {
    Ok(date(column, text)? + DAY)
}

/// The middle of the day a date names.
fn middle_of(column: &str, text: &str) -> Result<f64, FieldError> {
    Ok(date(column, text)? + DAY / 2.0)
}

/// Reads a Backblaze lifetime CSV into the builder.
pub fn read(
    file: &str,
    input: impl Read,
    builder: &mut TraceBuilder,
    bad_rows: &mut BadRows,
) -> Result<(), TraceError> {
    builder.time_kind(file, TimeKind::Datetime)?;
    builder.non_repairable();
    let mut reader = csv_reader(input);
    let header = reader.headers().map_err(|e| csv_error(file, e, 0))?.clone();
    let column = |name: &str| required_column(file, &header, "Backblaze", name);
    let (serial, min, max, fail) = (
        column("serial_number")?,
        column("min_date")?,
        column("max_date")?,
        column("first_fail")?,
    );
    let model = column("model").ok();
    let names: Vec<String> = header.iter().map(String::from).collect();
    let required = [serial, min, max];
    each_record(file, &mut reader, 0, bad_rows, |record| {
        check_row_length(&names, &required, record.len())?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        if field(serial).is_empty() {
            return Err(FieldError::new(
                "serial_number",
                "the serial number is empty",
            ));
        }
        let birth = date("min_date", field(min))?;
        let last_seen = end_of("max_date", field(max))?;
        let failure = match field(fail) {
            "" => None,
            text => Some(middle_of("first_fail", text)?),
        };
        let end = failure.unwrap_or(last_seen);
        if end < birth {
            let column = if failure.is_some() {
                "first_fail"
            } else {
                "max_date"
            };
            return Err(FieldError::new(
                column,
                "the drive's life ends before min_date",
            ));
        }
        let node = builder.node(field(serial));
        if let Some(model) = model {
            builder.attr(node, "group", field(model));
        }
        builder.observe(birth);
        builder.observe(last_seen);
        builder.service(
            node,
            Service {
                start: birth,
                end: last_seen.max(end),
            },
        );
        if let Some(at) = failure {
            builder.outage(node, at, f64::INFINITY, Fault::Permanent, None);
        }
        Ok(())
    })
}
