//! Parquet traces: a Parquet file with the columns of one of the CSV layouts (interval, event,
//! LANL, FTA, Backblaze, Titan) reads exactly as that CSV would.
//!
//! The file is recognised by its magic bytes (`PAR1`), read with polars, and rendered as the CSV
//! it stands for — the column names as the header, every value as text (null as an empty field)
//! — which then goes through the layout's own reader, so detection, validation and error
//! messages are the CSV path's: a row is reported as `line N`, the header being line 1. The
//! rendering is held in memory, about the size of the CSV.
//!
//! polars' Parquet reader trusts a file's metadata: on a damaged or hostile file it may panic
//! (an out-of-range slice, a failed assertion) instead of returning an error — fuzzing found
//! dozens of such inputs. The read is therefore contained: a panic inside it becomes
//! [`TraceError::Parquet`], reported as an unreadable file, and its message is not printed.

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::*;

use super::error::TraceError;

/// Whether `head` (the first bytes of a file) opens a Parquet file.
pub fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PAR1")
}

/// The CSV text a Parquet file at `path` stands for.
pub fn as_csv(path: &Path) -> Result<Vec<u8>, TraceError> {
    let file = path.display().to_string();
    let bad = |reason: String| TraceError::Parquet {
        file: file.clone(),
        reason,
    };
    let opened = std::fs::File::open(path).map_err(|source| TraceError::Io {
        file: file.clone(),
        source,
    })?;
    let df = contained(|| ParquetReader::new(opened).finish())
        .map_err(|reason| bad(format!("the file is damaged ({reason})")))?
        .map_err(|e| bad(e.to_string()))?;
    let mut columns = Vec::with_capacity(df.width());
    for column in df.columns() {
        let text = contained(|| column.cast(&DataType::String))
            .map_err(|reason| bad(format!("column `{}` is damaged ({reason})", column.name())))?
            .map_err(|e| bad(format!("column `{}`: {e}", column.name())))?;
        columns.push(text.as_materialized_series().clone());
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    out.write_record(&header).map_err(|e| bad(e.to_string()))?;
    let texts: Vec<&StringChunked> = columns
        .iter()
        .map(|s| s.str().map_err(|e| bad(e.to_string())))
        .collect::<Result<_, _>>()?;
    for row in 0..df.height() {
        out.write_record(texts.iter().map(|c| c.get(row).unwrap_or("")))
            .map_err(|e| bad(e.to_string()))?;
    }
    out.into_inner().map_err(|e| bad(e.to_string()))
}

/// Reads in progress under [`contained`]; while any runs, panics are not printed.
static CONTAINED: AtomicUsize = AtomicUsize::new(0);

/// Runs `read`, turning a panic inside it into an error that holds its message (on one line).
/// While it runs, panics are not printed (the default hook would write a backtrace for a
/// damaged input file): one hook, installed once, passes panics on to the previous hook unless
/// a contained read is in progress, in any thread (polars panics in its own worker threads).
pub fn contained<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CONTAINED.load(Ordering::SeqCst) == 0 {
                previous(info);
            }
        }));
    });
    CONTAINED.fetch_add(1, Ordering::SeqCst);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    CONTAINED.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("the reader failed")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_read_is_an_error() {
        assert_eq!(contained(|| 7), Ok(7));
        let caught = contained(|| -> u32 { panic!("assertion failed\n  left: 0\n right: 6") });
        assert_eq!(caught, Err("assertion failed left: 0 right: 6".to_string()));
    }
}
