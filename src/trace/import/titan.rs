//! Importer for the ORNL Titan GPU replacement history (`SN,location,insert,remove,duration,
//! out,event`), the data of Ostrouchov et al., "GPU Lifetimes on Titan Supercomputer: Survival
//! Analysis and Reliability" (SC20).
//!
//! Each row is one placement of a GPU (serial number `SN`) in a slot (`location`, such as
//! `c11-2c1s4n1`: cabinet `c11-2`, cage 1, slot 4, node 1) from `insert` to `remove`. GPUs are
//! replaced, not repaired, so the trace is non-repairable:
//! - node = `SN`; `group` = the cabinet of its first location;
//! - service window = the first `insert` to the last `remove`; an empty `insert` means the GPU
//!   was in place before the data starts;
//! - the GPU fails when it is taken out for good (`out` = `TRUE`) with a failure `event`
//!   (`DBE`, a double-bit memory error, or `OTB`, off the bus), at that `remove`; the event is the
//!   cause. A GPU taken out without an event, or still in place at the end, is censored. The
//!   removal instant itself belongs to the service window, so that a failure at the last
//!   removal is a failure in service.

use std::io::Read;

use crate::trace::builder::TraceBuilder;
use crate::trace::error::{FieldError, TraceError};
use crate::trace::model::Fault;
use crate::trace::records::{BadRows, csv_error, csv_reader, each_record, required_column};
use crate::trace::time::{TimeKind, parse_datetime};

/// Whether a header row is the Titan GPU layout.
pub fn matches(header: &[String]) -> bool {
    ["SN", "location", "insert", "remove", "event"]
        .iter()
        .all(|c| header.iter().any(|h| h == c))
}

fn datetime(column: &str, text: &str) -> Result<f64, FieldError> {
    parse_datetime(text).ok_or_else(|| {
        FieldError::new(
            column,
            format!("`{text}` is not a datetime (YYYY-MM-DD HH:MM:SS)"),
        )
    })
}

/// Reads a Titan GPU history CSV into the builder.
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
    let column = |name: &str| required_column(file, &header, "Titan GPU", name);
    let (serial, location, insert, remove) = (
        column("SN")?,
        column("location")?,
        column("insert")?,
        column("remove")?,
    );
    let (out, event) = (column("out")?, column("event")?);
    each_record(file, &mut reader, 0, bad_rows, |record| {
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        if field(serial).is_empty() {
            return Err(FieldError::new("SN", "the serial number is empty"));
        }
        let removed = datetime("remove", field(remove))?;
        let inserted = match field(insert) {
            "" => None,
            text => Some(datetime("insert", text)?),
        };
        if inserted.is_some_and(|t| t > removed) {
            return Err(FieldError::new(
                "remove",
                format!(
                    "the GPU is removed ({}) before it is inserted ({})",
                    field(remove),
                    field(insert)
                ),
            ));
        }
        // Any case: the data writes TRUE, a typed column (Parquet's boolean) reads as `true`.
        let text = field(out);
        let taken_out = if text.eq_ignore_ascii_case("TRUE") {
            true
        } else if text.is_empty() || text.eq_ignore_ascii_case("FALSE") {
            false
        } else {
            return Err(FieldError::new(
                "out",
                format!("`{text}` is not TRUE, FALSE or empty"),
            ));
        };
        let node = builder.node(field(serial));
        let cabinet = field(location).split('c').nth(1).map(|rest| {
            let end = rest.find(|c: char| c != '-' && !c.is_ascii_digit());
            format!("c{}", &rest[..end.unwrap_or(rest.len())])
        });
        if let Some(cabinet) = cabinet {
            builder.attr(node, "group", &cabinet);
        }
        if let Some(t) = inserted {
            builder.observe(t);
            builder.service_start(node, t);
        }
        builder.observe(removed);
        builder.last_seen(node, removed);
        match field(event) {
            "" => {}
            failure if taken_out => {
                let cause = builder.cause(failure);
                builder.outage(node, removed, f64::INFINITY, Fault::Permanent, Some(cause));
            }
            _ => {}
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> crate::trace::Trace {
        let mut builder = TraceBuilder::new();
        let mut bad = BadRows::new(false);
        read("t.csv", text.as_bytes(), &mut builder, &mut bad).unwrap();
        builder.finish().unwrap()
    }

    #[test]
    fn a_gpu_fails_when_taken_out_for_good_with_an_event() {
        let t = read_text(
            "SN,location,insert,remove,duration,out,event\n\
             A,c13-5c2s2n1,2017-04-09 00:00:00,2018-03-03 00:00:00,1,FALSE,DBE\n\
             A,c3-2c1s3n1,2018-03-27 00:00:00,2018-05-29 00:00:00,1,TRUE,DBE\n\
             B,c5-0c2s4n2,,2017-08-22 00:00:00,1,TRUE,\n",
        );
        assert!(!t.repairable);
        let a = &t.nodes[0];
        assert_eq!(a.group(), Some("c13-5"));
        assert_eq!(a.service.start, parse_datetime("2017-04-09").unwrap());
        assert_eq!(
            a.service.end,
            parse_datetime("2018-05-29").unwrap().next_up()
        );
        let outages = t.outages_of(0);
        assert_eq!(outages.len(), 1, "only the final removal is a failure");
        assert_eq!(outages[0].start, parse_datetime("2018-05-29").unwrap());
        assert_eq!(t.causes, vec!["DBE".to_string()]);
        // B: removed without an event, in place before the data: censored, in service since
        // the data's first time.
        assert_eq!(
            t.nodes[1].service.start,
            parse_datetime("2017-04-09").unwrap()
        );
        assert!(t.outages_of(1).is_empty());
    }

    /// A typed boolean column (Parquet) renders as `true` / `false`: read like TRUE / FALSE.
    #[test]
    fn out_is_read_in_any_case() {
        let t = read_text(
            "SN,location,insert,remove,duration,out,event\n\
             A,c1-0c0s0n0,2017-04-09 00:00:00,2018-03-03 00:00:00,1,true,DBE\n\
             B,c1-0c0s0n1,2017-04-09 00:00:00,2018-03-03 00:00:00,1,false,DBE\n",
        );
        assert_eq!(t.outages_of(0).len(), 1);
        assert!(t.outages_of(1).is_empty());
    }
}
