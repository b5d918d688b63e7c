//! Writers for generated traces: event CSV (`time,node,event,fault,detail`), the layout that can
//! carry everything, and interval CSV (`node,start,end,fault`), the compact layout of outages
//! only. Times are seconds with millisecond precision.

use std::io::{self, Write};

use super::synth::{GenEvent, GenEventKind};

/// Writes generated events as an event CSV.
pub fn write_event_csv<W: Write + ?Sized>(events: &[GenEvent], out: &mut W) -> io::Result<()> {
    writeln!(out, "time,node,event,fault,detail")?;
    for event in events {
        let node = event
            .node
            .map(|n| format!("n{}", n + 1))
            .unwrap_or_default();
        let fault = event.fault.map(|f| f.name()).unwrap_or("");
        writeln!(
            out,
            "{:.3},{node},{},{fault},{}",
            event.time,
            event.kind.name(),
            event.detail
        )?;
    }
    Ok(())
}

/// Writes the outages of generated events as an interval CSV, in order of start. An outage
/// still open when the trace ends is closed at `end` (the trace's duration). Partitions cannot be
/// expressed in this layout and are left out; the caller should refuse them.
pub fn write_interval_csv<W: Write + ?Sized>(
    events: &[GenEvent],
    end: f64,
    out: &mut W,
) -> io::Result<()> {
    let nodes = events
        .iter()
        .filter_map(|e| e.node)
        .max()
        .map_or(0, |n| n + 1);
    let mut open: Vec<Option<usize>> = vec![None; nodes as usize];
    let mut rows: Vec<(usize, f64)> = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let Some(node) = event.node else { continue };
        match event.kind {
            GenEventKind::Down => open[node as usize] = Some(i),
            GenEventKind::Up => {
                if let Some(down) = open[node as usize].take() {
                    rows.push((down, event.time));
                }
            }
            GenEventKind::Partition | GenEventKind::Heal => {}
        }
    }
    rows.extend(open.iter().flatten().map(|&down| (down, end)));
    rows.sort_by_key(|&(down, _)| down);
    writeln!(out, "node,start,end,fault")?;
    for (down, until) in rows {
        let event = &events[down];
        let node = event.node.map_or(0, |n| n + 1);
        let fault = event.fault.map(|f| f.name()).unwrap_or("");
        writeln!(out, "n{node},{:.3},{until:.3},{fault}", event.time)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Fault;

    fn event(time: f64, node: u32, kind: GenEventKind) -> GenEvent {
        GenEvent {
            time,
            node: Some(node),
            kind,
            fault: (kind == GenEventKind::Down).then_some(Fault::Transient),
            detail: String::new(),
        }
    }

    #[test]
    fn intervals_pair_downs_with_ups_and_close_open_ones_at_the_end() {
        let events = [
            event(1.0, 0, GenEventKind::Down),
            event(2.0, 1, GenEventKind::Down),
            event(3.5, 0, GenEventKind::Up),
        ];
        let mut out = Vec::new();
        write_interval_csv(&events, 10.0, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "node,start,end,fault\nn1,1.000,3.500,transient\nn2,2.000,10.000,transient\n"
        );
    }
}
