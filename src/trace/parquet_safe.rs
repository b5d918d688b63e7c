//! Reading Parquet files that may be damaged or hostile.
//!
//! polars' Parquet reader trusts a file's metadata. On a damaged file it may panic (an
//! out-of-range slice, a failed assertion) instead of returning an error, and it allocates what
//! a page header claims: a header saying a page holds 2^64 values makes it reserve 2^61 bytes,
//! and a failed allocation aborts the process, which no `catch_unwind` can stop. Fuzzing found
//! both kinds. So a file is read in two steps:
//!
//! 1. [`check_claims`] decodes the footer with a decoder that bounds what it allocates, then
//!    walks every page header polars will read (never a page's contents) and refuses a file
//!    whose claims cannot be true of a file its size: a count of values or rows larger than
//!    [`VALUES_PER_BYTE`] per byte of the whole file, pages that decompress to more than
//!    [`MAX_EXPANSION`] times the file's size in all, a page or column chunk reaching past the
//!    file's end. What polars then allocates is bounded by a multiple of the file's size (for
//!    a small file, by tens of megabytes).
//! 2. [`read_frame`] hands the checked bytes to polars under [`contained`], which turns a panic
//!    into an error.
//!
//! Real files are far inside these bounds: a failure trace holds at least a few bytes of
//! timestamps per row, and general-purpose compression of such columns stays below 20×.

use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};

use polars::prelude::{DataFrame, ParquetReader, SerReader};
use polars_parquet::parquet::metadata::FileMetadata;
use polars_parquet::parquet::read::read_metadata;
use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
use polars_parquet_format::{FileMetaData, PageHeader, PageType};

/// At most this many values (or rows) per byte of the file may be claimed by any count in it.
pub const VALUES_PER_BYTE: u64 = 8;

/// The pages of a file may decompress to at most this many times the file's size in all (plus
/// `EXPANSION_SLACK`). One page may expand far more (a run of equal booleans), a whole file
/// does not.
pub const MAX_EXPANSION: u64 = 256;

/// Bytes a file's pages may decompress to whatever its size: small files stay readable.
const EXPANSION_SLACK: u64 = 64 << 20;

/// Values any count may claim whatever the file's size.
const VALUES_SLACK: u64 = 1 << 16;

/// Why a file cannot be read; callers add the path.
pub type Reason = String;

/// A Parquet file [`check_claims`] accepted: its bytes and its footer, decoded once.
pub struct Checked {
    /// The whole file.
    pub bytes: Vec<u8>,
    /// Its footer.
    pub metadata: Arc<FileMetadata>,
}

impl Checked {
    /// A polars reader of the file that uses the footer already decoded.
    pub fn reader(&self) -> ParquetReader<Cursor<&[u8]>> {
        let mut reader = ParquetReader::new(Cursor::new(&self.bytes[..]));
        reader.set_metadata(self.metadata.clone());
        reader
    }

    /// Rows in each row group, in file order.
    pub fn row_groups(&self) -> impl Iterator<Item = usize> + '_ {
        self.metadata.row_groups.iter().map(|g| g.num_rows())
    }
}

/// Reads the Parquet file at `path` and checks it ([`check_claims`]). Nothing reads a Parquet
/// file but through this.
pub fn read_checked(path: &Path) -> Result<Checked, ReadError> {
    let bytes = std::fs::read(path).map_err(ReadError::Io)?;
    let metadata = check_claims(&bytes).map_err(ReadError::Damaged)?;
    Ok(Checked {
        bytes,
        metadata: Arc::new(metadata),
    })
}

/// Reads the Parquet file at `path` into a frame ([`read_checked`]), with panics contained.
pub fn read_frame(path: &Path) -> Result<DataFrame, ReadError> {
    let checked = read_checked(path)?;
    contained(|| checked.reader().finish())
        .map_err(|reason| ReadError::Damaged(format!("the file is damaged ({reason})")))?
        .map_err(|e| ReadError::Damaged(e.to_string()))
}

/// Why [`read_frame`] failed.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read at all.
    Io(std::io::Error),
    /// The file is not a readable Parquet file.
    Damaged(Reason),
}

/// Checks every size and count a Parquet file claims in its footer and page headers against
/// the file's own size (see the module documentation); returns the footer.
pub fn check_claims(bytes: &[u8]) -> Result<FileMetadata, Reason> {
    let len = bytes.len() as u64;
    let max_values = VALUES_PER_BYTE * len + VALUES_SLACK;
    let too_many = |what: &str, n: u64| {
        format!(
            "the file is damaged (it claims {n} {what} in {len} bytes, more than \
             {VALUES_PER_BYTE} per byte)"
        )
    };
    // polars' own footer decoder sizes its vectors by the lists' declared lengths. A decoder
    // that bounds them must accept the footer first: it charges 8 bytes per list element, and
    // every element takes at least one byte of the footer.
    let footer = footer(bytes).ok_or("the file is damaged (no Parquet footer)")?;
    let budget = footer.len().saturating_mul(8);
    FileMetaData::read_from_in_protocol(&mut TCompactInputProtocol::new(footer, budget))
        .map_err(|e| format!("the file is damaged (its footer does not read: {e})"))?;
    let metadata = contained(|| read_metadata(&mut Cursor::new(bytes)))
        .map_err(|reason| format!("the file is damaged ({reason})"))?
        .map_err(|e| format!("the file is damaged ({e})"))?;
    let mut expansion = MAX_EXPANSION * len + EXPANSION_SLACK;
    if metadata.num_rows as u64 > max_values {
        return Err(too_many("rows", metadata.num_rows as u64));
    }
    for group in &metadata.row_groups {
        if group.num_rows() as u64 > max_values {
            return Err(too_many("rows", group.num_rows() as u64));
        }
        for chunk in group.parquet_columns() {
            let values = u64::try_from(chunk.num_values()).unwrap_or(u64::MAX);
            if values > max_values {
                return Err(too_many("values", values));
            }
            let range = chunk.byte_range();
            if range.start > range.end || range.end > len {
                return Err("the file is damaged (a column chunk lies outside the file)".into());
            }
            // Both ends are within `bytes`, which is in memory: they fit in usize.
            check_pages(
                &bytes[range.start as usize..range.end as usize],
                values,
                max_values,
                &mut expansion,
            )?;
        }
    }
    Ok(metadata)
}

/// The footer's bytes: before the last 8 (its length, then the magic `PAR1`).
fn footer(bytes: &[u8]) -> Option<&[u8]> {
    let (rest, tail) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    let (length, magic) = tail.split_at(4);
    let length = u32::from_le_bytes(length.try_into().ok()?) as usize;
    (magic == b"PAR1" && length + 4 <= rest.len()).then(|| &rest[rest.len() - length..])
}

/// Walks the page headers of one column chunk (`chunk`, holding `values` values) as the reader
/// will: the first page whatever the chunk claims (it may be a dictionary, which the reader
/// decodes even for a chunk of no values), then data pages until their values, counted by each
/// page's own type, add up to the chunk's. Every page's decompressed size is taken from
/// `expansion`, the bytes the whole file may still decompress to.
fn check_pages(
    chunk: &[u8],
    values: u64,
    max_values: u64,
    expansion: &mut u64,
) -> Result<(), Reason> {
    let damaged = |what: &str| format!("the file is damaged ({what})");
    let mut reader = Cursor::new(chunk);
    let mut seen = 0u64;
    let mut first = true;
    while (first || seen < values) && (reader.position() as usize) < chunk.len() {
        first = false;
        let remaining = chunk.len() - reader.position() as usize;
        let mut protocol = TCompactInputProtocol::new(&mut reader, remaining);
        let header = PageHeader::read_from_in_protocol(&mut protocol)
            .map_err(|e| damaged(&format!("a page header does not read: {e}")))?;
        let stored = u64::try_from(header.compressed_page_size)
            .map_err(|_| damaged("a page's stored size is negative"))?;
        let expanded = u64::try_from(header.uncompressed_page_size)
            .map_err(|_| damaged("a page's size is negative"))?;
        if stored > (chunk.len() as u64).saturating_sub(reader.position()) {
            return Err(damaged("a page reaches past its column chunk"));
        }
        *expansion = expansion.checked_sub(expanded).ok_or_else(|| {
            damaged(&format!(
                "its pages claim to decompress to more than {MAX_EXPANSION} times its size"
            ))
        })?;
        let counts = [
            header
                .data_page_header
                .as_ref()
                .map(|h| i64::from(h.num_values)),
            header
                .data_page_header_v2
                .as_ref()
                .map(|h| i64::from(h.num_values)),
            header
                .data_page_header_v2
                .as_ref()
                .map(|h| i64::from(h.num_rows)),
            header
                .dictionary_page_header
                .as_ref()
                .map(|h| i64::from(h.num_values)),
        ];
        for count in counts.into_iter().flatten() {
            let count = u64::try_from(count).map_err(|_| damaged("a page's count is negative"))?;
            if count > max_values {
                return Err(damaged(&format!("a page claims {count} values")));
            }
        }
        let missing = |kind: &str| damaged(&format!("a {kind} page without its header"));
        seen += match header.type_ {
            PageType::DATA_PAGE => header
                .data_page_header
                .as_ref()
                .map(|h| h.num_values as u64)
                .ok_or_else(|| missing("data"))?,
            PageType::DATA_PAGE_V2 => header
                .data_page_header_v2
                .as_ref()
                .map(|h| h.num_values as u64)
                .ok_or_else(|| missing("data"))?,
            PageType::DICTIONARY_PAGE => header
                .dictionary_page_header
                .as_ref()
                .map(|_| 0)
                .ok_or_else(|| missing("dictionary"))?,
            _ => 0,
        };
        reader.set_position(reader.position() + stored);
    }
    Ok(())
}

/// Reads in progress under [`contained`]; while any runs, panics are not printed.
static CONTAINED: AtomicUsize = AtomicUsize::new(0);

/// Runs `read`, turning a panic inside it into an error that holds its message (on one line).
/// While it runs, panics are not printed (the default hook would write a backtrace for a
/// damaged input file): one hook, installed once, passes panics on to the previous hook unless
/// a contained read is in progress, in any thread (polars panics in its own worker threads).
pub fn contained<T>(read: impl FnOnce() -> T) -> Result<T, Reason> {
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

    fn written() -> Vec<u8> {
        crate::report::parquet_table::from_csv(b"node,start,end\nn1,10,20\nn2,15,40\n")
            .expect("written")
    }

    #[test]
    fn a_file_polars_wrote_passes_and_cut_ones_do_not() {
        let file = written();
        let rows: Vec<usize> = check_claims(&file)
            .expect("accepted")
            .row_groups
            .iter()
            .map(|g| g.num_rows())
            .collect();
        assert_eq!(rows, vec![2]);
        let cut = &file[..file.len() - 9];
        assert!(check_claims(cut).is_err());
        assert!(check_claims(&file[40..]).is_err());
    }

    #[test]
    fn a_page_claiming_more_values_than_bytes_allow_is_refused() {
        // The first page header starts right after the magic bytes; its fields are thrift
        // compact: type, uncompressed size, compressed size, then the data page header whose
        // first field is the value count (zigzag varint 2 for our two rows).
        let mut file = written();
        let header = &file[4..40];
        let at = 4 + header
            .windows(2)
            .position(|w| w == [0x15, 0x04])
            .expect("num_values = 2 in the first data page header");
        file.splice(at + 1..at + 2, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]);
        let e = check_claims(&file).expect_err("refused");
        assert!(e.contains("page"), "{e}");
    }

    #[test]
    fn a_panic_inside_a_read_is_an_error() {
        assert_eq!(contained(|| 7), Ok(7));
        let caught = contained(|| -> u32 { panic!("assertion failed\n  left: 0\n right: 6") });
        assert_eq!(caught, Err("assertion failed left: 0 right: 6".to_string()));
    }
}
