//! Parallel reading of large CSV traces.
//!
//! The file is read in blocks of a few megabytes cut at line ends. Worker threads (one per core)
//! parse blocks, each into its own [`TraceBuilder`] with its own [`BadRows`], while the reading
//! thread reads ahead and absorbs finished blocks into the main builder in file order, so the result, the first error reported and the order in
//! which attributes are first seen are exactly those of a sequential read. Line numbers stay
//! exact: each block knows how many lines came before it.
//!
//! Memory stays bounded by a few blocks at a time whatever the file's size. A quote character
//! could hide a line end inside a field, so from the first block that holds one the rest of the
//! file is read sequentially, by one CSV reader.
//!
//! Until the trace's time kind (numbers or datetimes) is known, blocks are read one at a time, so
//! a file that mixes the two is reported at the first row that does.

use std::collections::BTreeMap;
use std::io::{BufRead, Cursor, Read};
use std::sync::{Mutex, mpsc};

use super::builder::TraceBuilder;
use super::error::TraceError;
use super::records::BadRows;
use super::time::TimeParser;

/// Bytes per block, at first.
const BLOCK: usize = 4 << 20;

/// Bytes per block at most. Each block builds its own table of the nodes it names, so when a
/// block names a node for every few rows (a fleet of 100,000 nodes), blocks grow, up to this.
const MAX_BLOCK: usize = 32 << 20;

/// A block naming more than one node per this many rows makes the next blocks twice as large.
const ROWS_PER_NODE: usize = 8;

/// Where parsed rows go: the trace being built, the reader of its times, the bad-row policy.
pub struct Sink<'a> {
    /// The trace being built.
    pub builder: &'a mut TraceBuilder,
    /// Reads the trace's times and remembers their kind.
    pub times: &'a mut TimeParser,
    /// Stops at, or counts, bad rows.
    pub bad_rows: &'a mut BadRows,
}

/// Parses the rows of one stretch of the file, given the number of lines before it.
pub trait ParseRows: Sync {
    /// Parses every row of `input` into `sink`.
    fn parse(
        &self,
        input: &mut dyn Read,
        lines_before: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), TraceError>;

    /// Parses a block of whole lines that holds no quote character.
    fn parse_block(
        &self,
        block: &[u8],
        lines_before: u64,
        sink: &mut Sink<'_>,
    ) -> Result<(), TraceError> {
        self.parse(&mut Cursor::new(block), lines_before, sink)
    }
}

/// A block for a worker to parse: the `index`th, after `lines_before` lines, of `lines` lines,
/// into `builder`.
struct Job {
    index: usize,
    lines_before: u64,
    lines: u64,
    block: Vec<u8>,
    builder: TraceBuilder,
}

/// One parsed block, ready to be absorbed; its bytes come back to be read into again.
struct Chunk {
    block: Vec<u8>,
    lines: u64,
    builder: TraceBuilder,
    times: TimeParser,
    bad_rows: BadRows,
    result: Result<(), TraceError>,
}

/// Reads the next block into `block` (emptied first): whole lines only, the partial last line
/// kept in `carry` for the next.
fn next_block(
    input: &mut impl BufRead,
    carry: &mut Vec<u8>,
    mut block: Vec<u8>,
    size: usize,
) -> std::io::Result<Vec<u8>> {
    block.clear();
    block.reserve(size + carry.len());
    block.append(carry);
    input.take(size as u64).read_to_end(&mut block)?;
    if block.len() < size {
        // End of input: whatever is left is the last block, even without a final line end.
        return Ok(block);
    }
    match memchr::memrchr(b'\n', &block) {
        Some(end) => *carry = block.split_off(end + 1),
        None => {
            // A line longer than a block: read on to its end.
            input.read_until(b'\n', &mut block)?;
        }
    }
    Ok(block)
}

fn line_count(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Reads the rest of `input` (after `lines_before` lines) with `rows`, in parallel blocks.
///
/// `size_hint`, the file's length, lets the builder reserve room for the whole file once the
/// first block has shown how many bytes a row takes.
pub fn read_blocks(
    file: &str,
    mut input: impl BufRead,
    size_hint: Option<u64>,
    mut lines_before: u64,
    rows: &impl ParseRows,
    sink: Sink<'_>,
) -> Result<(), TraceError> {
    let Sink {
        builder,
        times,
        bad_rows,
    } = sink;
    let io_error = |source| TraceError::Io {
        file: file.to_string(),
        source,
    };
    let mut carry = Vec::new();
    let mut bytes_read = 0u64;
    // One block at a time until the trace's time kind is known.
    while times.kind().is_none() {
        let block = next_block(&mut input, &mut carry, Vec::new(), BLOCK).map_err(io_error)?;
        if block.is_empty() {
            return Ok(());
        }
        if memchr::memchr(b'"', &block).is_some() {
            let mut rest = Cursor::new(block).chain(Cursor::new(carry)).chain(input);
            return rows.parse(
                &mut rest,
                lines_before,
                &mut Sink {
                    builder,
                    times,
                    bad_rows,
                },
            );
        }
        let lines = line_count(&block);
        bytes_read += block.len() as u64;
        rows.parse_block(
            &block,
            lines_before,
            &mut Sink {
                builder,
                times,
                bad_rows,
            },
        )?;
        lines_before += lines;
    }
    if let Some(size) = size_hint.filter(|_| bytes_read > 0) {
        let rest = size.saturating_sub(bytes_read) as f64 / bytes_read as f64;
        builder.reserve_proportionally(rest * 1.01);
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let template = times.clone();
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Chunk)>();
    let quoted = std::thread::scope(|scope| -> Result<Option<(u64, Vec<u8>)>, TraceError> {
        // Owned here so that every way out of this closure, errors included, hangs up on the
        // workers before the scope waits for them.
        let job_tx = job_tx;
        for _ in 0..workers {
            let (job_rx, done_tx, template) = (&job_rx, done_tx.clone(), &template);
            let fresh = bad_rows.fresh();
            scope.spawn(move || {
                loop {
                    let job = job_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(Job {
                        index,
                        lines_before,
                        lines,
                        block,
                        builder,
                    })) = job
                    else {
                        return;
                    };
                    let mut chunk = Chunk {
                        lines,
                        block,
                        builder,
                        times: template.clone(),
                        bad_rows: fresh.fresh(),
                        result: Ok(()),
                    };
                    let mut sink = Sink {
                        builder: &mut chunk.builder,
                        times: &mut chunk.times,
                        bad_rows: &mut chunk.bad_rows,
                    };
                    chunk.result = rows.parse_block(&chunk.block, lines_before, &mut sink);
                    if done_tx.send((index, chunk)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut sent = 0;
        let mut absorbed = 0;
        let mut waiting: BTreeMap<usize, Chunk> = BTreeMap::new();
        let mut quoted = None;
        let mut input_done = false;
        // Blocks and builders already absorbed, to be filled again: fresh memory for every
        // block would be paged in anew.
        let (mut spare_blocks, mut spare_builders) = (Vec::new(), Vec::new());
        let mut block_size = BLOCK;
        loop {
            // Keep a few blocks in flight; the channel's bound holds back the reading.
            while !input_done && quoted.is_none() && sent - absorbed < 2 * workers {
                let spare = spare_blocks.pop().unwrap_or_default();
                let block =
                    next_block(&mut input, &mut carry, spare, block_size).map_err(io_error)?;
                if block.is_empty() {
                    input_done = true;
                } else if memchr::memchr(b'"', &block).is_some() {
                    quoted = Some((lines_before, block));
                } else {
                    let lines = line_count(&block);
                    let builder = spare_builders.pop().unwrap_or_else(TraceBuilder::new);
                    let job = Job {
                        index: sent,
                        lines_before,
                        lines,
                        block,
                        builder,
                    };
                    if job_tx.send(job).is_err() {
                        break;
                    }
                    sent += 1;
                    lines_before += lines;
                }
            }
            if absorbed == sent {
                break;
            }
            let Ok((index, chunk)) = done_rx.recv() else {
                break;
            };
            waiting.insert(index, chunk);
            while let Some(chunk) = waiting.remove(&absorbed) {
                chunk.result?;
                if chunk.builder.node_count() * ROWS_PER_NODE > chunk.lines as usize {
                    block_size = (block_size * 2).min(MAX_BLOCK);
                }
                spare_builders.push(builder.absorb(chunk.builder));
                spare_blocks.push(chunk.block);
                times.adopt(&chunk.times);
                bad_rows.absorb(chunk.bad_rows);
                absorbed += 1;
            }
        }
        Ok(quoted)
    })?;
    if let Some((before, block)) = quoted {
        // A quote may hide a line end inside a field: one reader from here on.
        let mut rest = Cursor::new(block).chain(Cursor::new(carry)).chain(input);
        rows.parse(
            &mut rest,
            before,
            &mut Sink {
                builder,
                times,
                bad_rows,
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_at_line_ends_and_cover_everything() {
        let text: String = (0..2_000_000).map(|i| format!("n{i},1,2\n")).collect();
        let mut input = Cursor::new(text.as_bytes());
        let mut carry = Vec::new();
        let mut joined = Vec::new();
        loop {
            let block = next_block(&mut input, &mut carry, Vec::new(), BLOCK).unwrap();
            if block.is_empty() {
                break;
            }
            assert!(block.ends_with(b"\n"));
            joined.extend(block);
        }
        assert_eq!(joined, text.as_bytes());
    }

    #[test]
    fn a_last_line_without_a_line_end_is_kept() {
        let mut input = Cursor::new(&b"a\nb"[..]);
        let mut carry = Vec::new();
        assert_eq!(
            next_block(&mut input, &mut carry, Vec::new(), BLOCK).unwrap(),
            b"a\nb"
        );
        assert!(
            next_block(&mut input, &mut carry, vec![7], BLOCK)
                .unwrap()
                .is_empty()
        );
    }
}
