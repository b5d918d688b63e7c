//! Writers for traces: generated events as event CSV (`time,node,event,fault,detail`).

use std::io::{self, Write};

use super::synth::GenEvent;

/// Writes generated events as an event CSV, times in seconds with millisecond precision.
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
