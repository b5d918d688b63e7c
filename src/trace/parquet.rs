//! Parquet traces: a Parquet file with the columns of one of the CSV layouts (interval, event,
//! LANL, FTA, Backblaze, Titan) reads exactly as that CSV would.
//!
//! The file is recognised by its magic bytes (`PAR1`), read with polars, and rendered as the CSV
//! it stands for — the column names as the header, every value as text (null as an empty field)
//! — which then goes through the layout's own reader, so detection, validation and error
//! messages are the CSV path's: a row is reported as `line N`, the header being line 1.
//!
//! The rendering is a stream ([`CsvStream`]): one row group (or a run of small ones) is decoded
//! and rendered at a time, on a thread of its own one slice ahead of the reader, so that decoding
//! the next slice overlaps parsing this one. Memory holds the file's bytes and two slices' text,
//! not the whole file as CSV.
//!
//! A damaged or hostile file is refused as [`TraceError::Parquet`] before polars can panic or
//! allocate what the file claims: see [`super::parquet_safe`]. A row group that fails to decode
//! later is a read error of the stream, reported with the file's name.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use polars::prelude::*;

use super::error::TraceError;
use super::parquet_safe::{Checked, ReadError, contained, read_checked};

/// Rows rendered at a time, at least (whole row groups).
const SLICE: usize = 1 << 16;

/// Whether `head` (the first bytes of a file) opens a Parquet file.
pub fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

/// What the rendering thread sends.
enum Rendered {
    /// The next slice's text.
    Text(Vec<u8>),
    /// Why the next slice could not be rendered; nothing follows.
    Failed(String),
    /// Every slice was sent. A thread that hangs up without saying so died: the stream is an
    /// error then, never a short file.
    End,
}

/// The CSV text a Parquet file stands for, rendered one row group at a time as it is read.
pub struct CsvStream {
    /// Each slice's text in file order, from the rendering thread.
    rendered: Receiver<Rendered>,
    /// Read buffers back to the rendering thread, to render into again.
    spent: SyncSender<Vec<u8>>,
    /// Rendered text not yet read, from `read_at`.
    text: Vec<u8>,
    read_at: usize,
    /// Whether the end was reached: every later read reads nothing.
    ended: bool,
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
        // One slice waits rendered while the reader parses another; the thread stops when the
        // stream is dropped (its sends fail) or after a failure.
        let (done, rendered) = sync_channel(1);
        let (spent, spares) = sync_channel::<Vec<u8>>(2);
        std::thread::spawn(move || {
            for slice in slices {
                let buffer = spares.try_recv().unwrap_or_default();
                let (message, failed) = match render(&checked, slice, buffer) {
                    Ok(text) => (Rendered::Text(text), false),
                    Err(reason) => (Rendered::Failed(reason), true),
                };
                if done.send(message).is_err() || failed {
                    return;
                }
            }
            // The reader may be gone already; then nobody needs to know.
            let _ = done.send(Rendered::End);
        });
        Ok(Self {
            rendered,
            spent,
            text,
            read_at: 0,
            ended: false,
        })
    }
}

/// Renders the rows `first..first + count` of `file` as CSV into `buffer` (emptied first).
fn render(
    file: &Checked,
    (first, count): (usize, usize),
    mut buffer: Vec<u8>,
) -> Result<Vec<u8>, String> {
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
    buffer.clear();
    let mut out = csv::Writer::from_writer(buffer);
    for row in 0..df.height() {
        out.write_record(texts.iter().map(|c| c.get(row).unwrap_or("")))
            .map_err(|e| e.to_string())?;
    }
    out.into_inner().map_err(|e| e.to_string())
}

impl Read for CsvStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.read_at == self.text.len() {
            if self.ended {
                return Ok(0);
            }
            let next = match self.rendered.recv() {
                Ok(Rendered::Text(text)) => text,
                Ok(Rendered::End) => {
                    self.ended = true;
                    return Ok(0);
                }
                Ok(Rendered::Failed(reason)) => {
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, reason));
                }
                Err(_) => {
                    return Err(std::io::Error::other(
                        "the Parquet reader stopped before the end of the file",
                    ));
                }
            };
            let spent = std::mem::replace(&mut self.text, next);
            self.read_at = 0;
            // The thread may have finished: then the buffer is simply dropped.
            let _ = self.spent.try_send(spent);
        }
        let n = buf.len().min(self.text.len() - self.read_at);
        buf[..n].copy_from_slice(&self.text[self.read_at..self.read_at + n]);
        self.read_at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// The whole CSV comes out, header first, and a read past the end reads nothing (a reader
    /// may ask again after the end; the rendering thread is gone by then).
    #[test]
    fn the_stream_renders_every_row_and_stays_at_its_end() {
        let csv = b"node,start,end\nn1,10,20\nn2,15,40\n";
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let bytes = crate::report::parquet_table::from_csv(csv).unwrap();
        file.write_all(&bytes).unwrap();
        let mut stream = CsvStream::open(file.path()).unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        assert_eq!(text, "node,start,end\nn1,10,20\nn2,15,40\n");
        let mut more = [0u8; 16];
        assert_eq!(stream.read(&mut more).unwrap(), 0);
        assert_eq!(stream.read(&mut more).unwrap(), 0);
    }
}
