//! Errors met while reading a trace. Each names the file and, for a row, its line and column,
//! and says how to fix the input.
//!
//! A message never repeats its cause: an operating-system error is the `source` of
//! [`TraceError::Io`], and the CLI prints the whole chain once (`{:#}`).

use thiserror::Error;

/// Why a trace could not be read.
#[derive(Debug, Error)]
pub enum TraceError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read the file")]
    Io {
        /// The file's path.
        file: String,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The header row does not match any known layout, or misses a required column.
    #[error("{file}: line 1: {reason}")]
    BadHeader {
        /// The file's path.
        file: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// One row could not be read.
    #[error("{file}: line {line}: column `{column}`: {reason}")]
    BadRow {
        /// The file's path.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// The column's name from the header.
        column: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The trace holds nothing to analyse.
    #[error("{file}: the trace holds no outages, events or units; {hint}")]
    Empty {
        /// The file's path (or a list of paths).
        file: String,
        /// What the reader expected.
        hint: &'static str,
    },
}

impl TraceError {
    /// Builds a [`TraceError::BadRow`].
    pub fn bad_row(file: &str, line: u64, column: &str, reason: impl Into<String>) -> Self {
        TraceError::BadRow {
            file: file.to_string(),
            line,
            column: column.to_string(),
            reason: reason.into(),
        }
    }
}

/// A row-level problem before the reader places it in a file: the column and the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The column's name.
    pub column: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl FieldError {
    /// A problem with `column`.
    pub fn new(column: &str, reason: impl Into<String>) -> Self {
        Self {
            column: column.to_string(),
            reason: reason.into(),
        }
    }

    /// Places the problem at `file:line`.
    pub fn at(self, file: &str, line: u64) -> TraceError {
        TraceError::bad_row(file, line, &self.column, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CLI prints `{:#}`: the message, then each cause once.
    #[test]
    fn an_os_error_shows_once() {
        let err = TraceError::Io {
            file: "x.csv".to_string(),
            source: std::io::Error::other("disk on fire"),
        };
        assert_eq!(
            format!("{:#}", anyhow::Error::from(err)),
            "x.csv: cannot read the file: disk on fire"
        );
    }
}
