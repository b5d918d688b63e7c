//! System expressions (`--system EXPR`): redundancy rules over selections of nodes, nested.
//!
//! A rule written alone (`all`, `any`, `quorum`, `k:K`, `active-passive:failover=D`) is
//! [`SystemExpr::Rule`], over every node, computed and printed exactly as it always was. With
//! parentheses a rule becomes a block of a reliability block diagram ([`Expr`]):
//!
//! - `RULE(SELECTORS)` applies the rule to the nodes the selectors pick, e.g. `k:4(*)`,
//!   `any(role=controller)`, `all(n1,n2,web-*)`; several selectors are a union
//!   ([`Selector`] has the syntax);
//! - `RULE(EXPR, EXPR, ...)` applies it to sub-expressions, each one block that is up or down:
//!   `series(...)` (or `all`) is up when all are, `parallel(...)` (or `any`) when one is,
//!   `k:K(...)` when K are, `quorum(...)` when a strict majority are.
//!
//! An argument is a sub-expression when it is a rule call, a rule name followed by `(`;
//! anything else is a selector, and one argument list holds one kind (`series(all, any(x))`
//! is refused: write `all(*)` for the rule over every node). `active-passive` stands alone:
//! which node serves depends on the failover order over every node of the trace, so it takes
//! no selectors and is no part of an expression.
//!
//! Evaluation ([`eval`]) turns each block into its own down intervals with the sweep of
//! [`super::system`] and feeds blocks into their parent as if they were nodes, so a rule counts
//! the nodes (or blocks) in service at each instant at every level. [`independence`] gives the
//! availability the same diagram would have if nodes failed independently.

pub mod eval;
pub mod independence;
pub mod parse;
pub mod select;

use std::fmt;

use serde::Serialize;

use super::system::SystemRule;

pub use parse::ParseError;
pub use select::{Diagram, SelectError, Selector};

/// A rule that counts how many of its inputs (nodes or blocks) are up: the gates of a
/// reliability block diagram. `active-passive` is no gate (it depends on which node serves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Up while every input in service is up (series).
    All,
    /// Up while one input is up (parallel).
    Any,
    /// Up while a strict majority of the inputs in service are up.
    Quorum,
    /// Up while at least this many inputs are up.
    AtLeast(u64),
}

impl From<Gate> for SystemRule {
    fn from(gate: Gate) -> Self {
        match gate {
            Gate::All => SystemRule::All,
            Gate::Any => SystemRule::Any,
            Gate::Quorum => SystemRule::Quorum,
            Gate::AtLeast(k) => SystemRule::AtLeast(k),
        }
    }
}

impl Gate {
    /// The gate of a rule; `None` for active-passive, which counts nothing.
    pub fn of(rule: SystemRule) -> Option<Gate> {
        match rule {
            SystemRule::All => Some(Gate::All),
            SystemRule::Any => Some(Gate::Any),
            SystemRule::Quorum => Some(Gate::Quorum),
            SystemRule::AtLeast(k) => Some(Gate::AtLeast(k)),
            SystemRule::ActivePassive(_) => None,
        }
    }

    /// The gate's name over nodes (`all`, `any`) or over sub-expressions (`series`,
    /// `parallel`); `quorum` and `k:K` read the same either way.
    fn name(self, over_parts: bool) -> String {
        match (self, over_parts) {
            (Gate::All, false) => "all".to_string(),
            (Gate::All, true) => "series".to_string(),
            (Gate::Any, false) => "any".to_string(),
            (Gate::Any, true) => "parallel".to_string(),
            (Gate::Quorum, _) => "quorum".to_string(),
            (Gate::AtLeast(k), _) => format!("k:{k}"),
        }
    }
}

/// A block of a system expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A gate over the nodes its selectors pick (their union).
    Nodes {
        /// The rule.
        gate: Gate,
        /// The selectors, at least one.
        selectors: Vec<Selector>,
    },
    /// A gate over sub-expressions.
    Parts {
        /// The rule.
        gate: Gate,
        /// The sub-expressions, at least one (at least K for `k:K`).
        parts: Vec<Expr>,
    },
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Nodes { gate, selectors } => {
                write!(f, "{}(", gate.name(false))?;
                for (i, selector) in selectors.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{selector}")?;
                }
            }
            Expr::Parts { gate, parts } => {
                write!(f, "{}(", gate.name(true))?;
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{part}")?;
                }
            }
        }
        f.write_str(")")
    }
}

/// What `--system` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum SystemExpr {
    /// A rule alone, over every node (the figures and output of `analyze` before expressions).
    Rule(SystemRule),
    /// An expression: the system row also gets the independent-failures comparison.
    Expr(Expr),
}

impl SystemExpr {
    /// Parses `--system` (see [`parse`]).
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        parse::parse(text)
    }
}

impl Default for SystemExpr {
    fn default() -> Self {
        SystemExpr::Rule(SystemRule::All)
    }
}

impl From<SystemRule> for SystemExpr {
    fn from(rule: SystemRule) -> Self {
        SystemExpr::Rule(rule)
    }
}

impl fmt::Display for SystemExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SystemExpr::Rule(rule) => write!(f, "{rule}"),
            SystemExpr::Expr(expr) => write!(f, "{expr}"),
        }
    }
}

impl Serialize for SystemExpr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
