//! The meaning of one interval row or one event row, whatever file format carried it.
//!
//! Both readers (CSV and JSONL) hand fields here as text; every field is parsed and checked
//! before anything is added to the builder, so a rejected row (or a skipped one, with
//! `--skip-bad-rows`) leaves no trace behind, not even a node name.

use super::builder::TraceBuilder;
use super::error::FieldError;
use super::model::{Fault, ScenarioKind};
use super::time::TimeParser;
use crate::units::parse_duration;

/// The fields of an interval row: `node,start,end[,fault][,extra...]`.
#[derive(Debug, Clone, Copy)]
pub struct IntervalFields<'a> {
    /// Node name.
    pub node: &'a str,
    /// Start time text.
    pub start: &'a str,
    /// End time text.
    pub end: &'a str,
    /// Fault class text (may be empty).
    pub fault: &'a str,
}

/// The fields of an event row: `time,node,event[,fault][,detail][,extra...]`.
#[derive(Debug, Clone, Copy)]
pub struct EventFields<'a> {
    /// Time text.
    pub time: &'a str,
    /// Node name (empty for network-wide events).
    pub node: &'a str,
    /// Event name.
    pub event: &'a str,
    /// Fault class text (may be empty).
    pub fault: &'a str,
    /// Event parameter text (may be empty).
    pub detail: &'a str,
}

/// Column names that rows interpret themselves; any other column becomes a node attribute,
/// except `cause`, which belongs to the outage.
pub const INTERVAL_COLUMNS: [&str; 4] = ["node", "start", "end", "fault"];
/// Column names of event rows; see [`INTERVAL_COLUMNS`].
pub const EVENT_COLUMNS: [&str; 5] = ["time", "node", "event", "fault", "detail"];

const EVENTS_HELP: &str = "use down, crash, up, recover, install, retire, partition, heal, delay, loss, pause, elect or slow";

fn parse_time(times: &mut TimeParser, column: &str, text: &str) -> Result<f64, FieldError> {
    times
        .parse(text)
        .map_err(|reason| FieldError::new(column, reason))
}

fn parse_fault(text: &str) -> Result<Fault, FieldError> {
    text.parse()
        .map_err(|reason| FieldError::new("fault", reason))
}

fn node_name(text: &str) -> Result<&str, FieldError> {
    let name = text.trim();
    if name.is_empty() {
        Err(FieldError::new("node", "the node name is empty"))
    } else {
        Ok(name)
    }
}

/// Adds one interval row with its extra `(column, value)` pairs.
pub fn add_interval<'a>(
    builder: &mut TraceBuilder,
    times: &mut TimeParser,
    row: IntervalFields<'a>,
    extras: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), FieldError> {
    let name = node_name(row.node)?;
    let start = parse_time(times, "start", row.start)?;
    let end = parse_time(times, "end", row.end)?;
    if end < start {
        return Err(FieldError::new(
            "end",
            format!(
                "the outage ends ({}) before it starts ({}); swap the columns or fix the times",
                row.end.trim(),
                row.start.trim()
            ),
        ));
    }
    let fault = parse_fault(row.fault)?;
    let node = builder.node(name);
    let mut cause = None;
    for (column, value) in extras {
        if column == "cause" {
            if !value.trim().is_empty() {
                cause = Some(builder.cause(value.trim()));
            }
        } else {
            builder.attr(node, column, value.trim());
        }
    }
    builder.outage(node, start, end, fault, cause);
    Ok(())
}

/// What an event name means.
enum EventMeaning {
    Down,
    Up,
    /// The node enters service.
    Install,
    /// The node leaves service.
    Retire,
    Scenario(ScenarioKind),
}

fn event_meaning(text: &str) -> Result<EventMeaning, FieldError> {
    Ok(match text.trim() {
        "down" | "crash" => EventMeaning::Down,
        "up" | "recover" => EventMeaning::Up,
        "install" => EventMeaning::Install,
        "retire" => EventMeaning::Retire,
        "partition" => EventMeaning::Scenario(ScenarioKind::Partition),
        "heal" => EventMeaning::Scenario(ScenarioKind::Heal),
        "delay" => EventMeaning::Scenario(ScenarioKind::Delay),
        "loss" => EventMeaning::Scenario(ScenarioKind::Loss),
        "pause" => EventMeaning::Scenario(ScenarioKind::Pause),
        "elect" => EventMeaning::Scenario(ScenarioKind::Elect),
        "slow" => EventMeaning::Scenario(ScenarioKind::Slow),
        other => {
            return Err(FieldError::new(
                "event",
                format!("unknown event `{other}`; {EVENTS_HELP}"),
            ));
        }
    })
}

/// Checks a scenario event's detail as far as the trace model understands it.
fn check_detail(kind: ScenarioKind, detail: &str) -> Result<(), FieldError> {
    let bad = |reason: String| Err(FieldError::new("detail", reason));
    match kind {
        ScenarioKind::Partition if !detail.contains('|') && !detail.contains("->") => bad(format!(
            "a partition lists its groups separated by `|`, e.g. `n1 n2 | n3 n4 n5`, or cuts \
             links one way, `n1 -> n2`, not `{detail}`"
        )),
        ScenarioKind::Delay if detail.is_empty() => {
            bad("a delay event needs a delay model, e.g. `const:5ms`".to_string())
        }
        ScenarioKind::Loss => match detail.parse::<f64>() {
            Ok(p) if (0.0..=1.0).contains(&p) => Ok(()),
            _ => bad(format!(
                "a loss event needs a probability from 0 to 1, e.g. `0.01`, not `{detail}`"
            )),
        },
        ScenarioKind::Slow => match detail.parse::<f64>() {
            Ok(f) if f.is_finite() && f > 0.0 => Ok(()),
            _ => bad(format!(
                "a slow event needs the factor of its service time, e.g. `4` (1 restores it), \
                 not `{detail}`"
            )),
        },
        ScenarioKind::Pause => match parse_duration(detail, 1.0) {
            Ok(_) => Ok(()),
            Err(e) => bad(format!("a pause needs its length: {e}")),
        },
        _ => Ok(()),
    }
}

/// Adds one event row with its extra `(column, value)` pairs.
pub fn add_event<'a>(
    builder: &mut TraceBuilder,
    times: &mut TimeParser,
    row: EventFields<'a>,
    extras: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), FieldError> {
    let time = parse_time(times, "time", row.time)?;
    let meaning = event_meaning(row.event)?;
    let fault = parse_fault(row.fault)?;
    let detail = row.detail.trim();
    let needs_node = match &meaning {
        EventMeaning::Down | EventMeaning::Up | EventMeaning::Install | EventMeaning::Retire => {
            true
        }
        EventMeaning::Scenario(kind) => {
            check_detail(*kind, detail)?;
            matches!(
                kind,
                ScenarioKind::Pause | ScenarioKind::Elect | ScenarioKind::Slow
            )
        }
    };
    let name = row.node.trim();
    let node = if needs_node {
        Some(builder.node(node_name(name)?))
    } else if name.is_empty() {
        None
    } else {
        Some(builder.node(name))
    };
    if let Some(node) = node {
        for (column, value) in extras {
            builder.attr(node, column, value.trim());
        }
    }
    match (meaning, node) {
        (EventMeaning::Down, Some(node)) => builder.transition(node, time, true, fault),
        (EventMeaning::Up, Some(node)) => builder.transition(node, time, false, fault),
        (EventMeaning::Install, Some(node)) => {
            builder.observe(time);
            builder.service_start(node, time);
        }
        (EventMeaning::Retire, Some(node)) => {
            builder.observe(time);
            builder.service_end(node, time);
        }
        (EventMeaning::Scenario(kind), node) => builder.event(time, node, kind, detail),
        _ => unreachable!("node events always resolve a node"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::error::Column;

    fn interval<'a>(node: &'a str, start: &'a str, end: &'a str) -> IntervalFields<'a> {
        IntervalFields {
            node,
            start,
            end,
            fault: "",
        }
    }

    #[test]
    fn a_rejected_row_adds_no_node() {
        let mut b = TraceBuilder::new();
        let mut t = TimeParser::new(1.0);
        let err = add_interval(
            &mut b,
            &mut t,
            interval("n1", "10", "5"),
            std::iter::empty(),
        )
        .unwrap_err();
        assert_eq!(err.column, Column::named("end"));
        assert_eq!(b.node_count(), 0);
    }

    #[test]
    fn extras_become_attributes_and_cause_goes_to_the_outage() {
        let mut b = TraceBuilder::new();
        let mut t = TimeParser::new(1.0);
        let extras = [("group", "rack1"), ("cause", "Memory")];
        add_interval(&mut b, &mut t, interval("n1", "1", "2"), extras.into_iter()).unwrap();
        let trace = b.finish().unwrap();
        assert_eq!(trace.nodes[0].group(), Some("rack1"));
        assert_eq!(trace.outages[0].cause(), Some(0));
        assert_eq!(trace.causes, vec!["Memory"]);
    }

    #[test]
    fn unknown_events_and_bad_details_are_rejected() {
        let mut b = TraceBuilder::new();
        let mut t = TimeParser::new(1.0);
        let row = |event, detail| EventFields {
            time: "1",
            node: "n1",
            event,
            fault: "",
            detail,
        };
        let err = add_event(&mut b, &mut t, row("explode", ""), std::iter::empty()).unwrap_err();
        assert_eq!(err.column, Column::named("event"));
        let err = add_event(&mut b, &mut t, row("loss", "1.5"), std::iter::empty()).unwrap_err();
        assert_eq!(err.column, Column::named("detail"));
        let err = add_event(
            &mut b,
            &mut t,
            row("partition", "n1 n2"),
            std::iter::empty(),
        )
        .unwrap_err();
        assert_eq!(err.column, Column::named("detail"));
        add_event(&mut b, &mut t, row("pause", "3s"), std::iter::empty()).unwrap();
        add_event(
            &mut b,
            &mut t,
            row("partition", "n1 | n2"),
            std::iter::empty(),
        )
        .unwrap();
    }

    #[test]
    fn up_and_down_need_a_node() {
        let mut b = TraceBuilder::new();
        let mut t = TimeParser::new(1.0);
        let row = EventFields {
            time: "1",
            node: " ",
            event: "down",
            fault: "",
            detail: "",
        };
        let err = add_event(&mut b, &mut t, row, std::iter::empty()).unwrap_err();
        assert_eq!(err.column, Column::named("node"));
    }
}
