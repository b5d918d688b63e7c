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
    /// A Parquet file that cannot be read as a trace.
    #[error("{file}: cannot read it as Parquet: {reason}")]
    Parquet {
        /// The file's path.
        file: String,
        /// Why.
        reason: String,
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
    #[error("{file}: line {line}: {}{reason}", .column.prefix())]
    BadRow {
        /// The file's path.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// Where in the row.
        column: Column,
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

/// Where in a row a problem lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The column of this name (from the header, or the layout's, or a JSON key).
    Named(String),
    /// A field past the header's last column, by its 1-based position.
    Unnamed(usize),
    /// The row as a whole (not valid CSV or JSON, say).
    Row,
}

impl Column {
    /// A named column.
    pub fn named(name: &str) -> Self {
        Column::Named(name.to_string())
    }

    /// How a message names the place, before the reason: ``column `end`: ``,
    /// `column 4 (no header): `, or nothing for the whole row.
    fn prefix(&self) -> String {
        match self {
            Column::Named(name) => format!("column `{name}`: "),
            Column::Unnamed(position) => format!("column {position} (no header): "),
            Column::Row => String::new(),
        }
    }
}

/// A row-level problem before the reader places it in a file: the column and the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Where in the row.
    pub column: Column,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl FieldError {
    /// A problem with the column named `column`.
    pub fn new(column: &str, reason: impl Into<String>) -> Self {
        Self {
            column: Column::named(column),
            reason: reason.into(),
        }
    }

    /// A problem with the row as a whole.
    pub fn row(reason: impl Into<String>) -> Self {
        Self {
            column: Column::Row,
            reason: reason.into(),
        }
    }

    /// Places the problem at `file:line`.
    pub fn at(self, file: &str, line: u64) -> TraceError {
        TraceError::BadRow {
            file: file.to_string(),
            line,
            column: self.column,
            reason: self.reason,
        }
    }
}

/// `1 field`, `2 fields`: how many fields a row has, for messages.
pub fn field_count(count: usize) -> String {
    if count == 1 {
        "1 field".to_string()
    } else {
        format!("{count} fields")
    }
}

/// Checks that a row of `len` fields reaches every column in `required` (positions in the
/// header `names`); otherwise names the first one it lacks. A row may end early and leave
/// optional columns out; a required field that is there but empty is for its parser to judge.
pub fn check_row_length(
    names: &[String],
    required: &[usize],
    len: usize,
) -> Result<(), FieldError> {
    match required.iter().copied().filter(|&i| i >= len).min() {
        None => Ok(()),
        Some(missing) => Err(FieldError::new(
            names[missing].trim(),
            format!(
                "missing (the row has {}; the header has {})",
                field_count(len),
                names.len()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_named_by_header_by_position_or_not_at_all() {
        let at = |column| {
            FieldError {
                column,
                reason: "why".into(),
            }
            .at("x.csv", 3)
            .to_string()
        };
        assert_eq!(at(Column::named("end")), "x.csv: line 3: column `end`: why");
        assert_eq!(
            at(Column::Unnamed(4)),
            "x.csv: line 3: column 4 (no header): why"
        );
        assert_eq!(at(Column::Row), "x.csv: line 3: why");
    }

    #[test]
    fn a_short_row_names_the_first_required_column_it_lacks() {
        let names: Vec<String> = ["end", "node", "start", "fault"].map(String::from).into();
        assert_eq!(check_row_length(&names, &[1, 2, 0], 3), Ok(()));
        assert_eq!(check_row_length(&names, &[1, 2, 0], 4), Ok(()));
        assert_eq!(
            check_row_length(&names, &[1, 2, 0], 2),
            Err(FieldError::new(
                "start",
                "missing (the row has 2 fields; the header has 4)"
            ))
        );
        assert_eq!(
            check_row_length(&names, &[1, 2, 0], 1).unwrap_err().column,
            Column::named("node")
        );
        assert_eq!(
            check_row_length(&names, &[1, 2, 0], 1).unwrap_err().reason,
            "missing (the row has 1 field; the header has 4)"
        );
    }

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
