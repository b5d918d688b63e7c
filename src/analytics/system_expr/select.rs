//! Selectors, and expressions resolved against a trace's nodes ([`Diagram`]).
//!
//! A selector is one or more terms joined by `+`, all of which a node must match
//! (intersection); a selector list `a, b` is a union. A term is
//! - a node-name glob: `n1`, `web-*`, `db-?` (`*` any run of characters, `?` one character);
//! - `key=value` on a node attribute (an extra column of the trace), the value a glob too:
//!   `zone=a`, `role=node+group=cluster-a`.
//!
//! `*` alone matches every node, including those `--population N` declares without names:
//! they have an empty name and no attributes, so no other selector picks them. Every selector
//! must pick some node, and `k:K` must have K nodes of its selection in service at once.

use std::fmt;

use thiserror::Error;

use super::{Expr, Gate};
use crate::analytics::system::Membership;
use crate::trace::{Node, NodeId, Trace};

/// One condition on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// The node's name matches this glob.
    Name(String),
    /// The node has this attribute, with a value matching the glob.
    Attr {
        /// The attribute (column) name.
        key: String,
        /// The glob its value must match.
        value: String,
    },
}

/// Terms a node must all match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    terms: Vec<Term>,
}

impl Selector {
    /// A selector of these terms (at least one).
    pub fn new(terms: Vec<Term>) -> Self {
        Self { terms }
    }

    /// Whether a named node matches.
    pub fn matches(&self, node: &Node) -> bool {
        self.terms.iter().all(|term| match term {
            Term::Name(pattern) => glob(pattern, &node.name),
            Term::Attr { key, value } => node.attrs.get(key).is_some_and(|v| glob(value, v)),
        })
    }

    /// Whether nodes declared without a name (empty name, no attributes) match: only globs
    /// that match the empty name do, such as `*`.
    pub fn matches_unnamed(&self) -> bool {
        self.terms.iter().all(|term| match term {
            Term::Name(pattern) => glob(pattern, ""),
            Term::Attr { .. } => false,
        })
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            match term {
                Term::Name(pattern) => f.write_str(pattern)?,
                Term::Attr { key, value } => write!(f, "{key}={value}")?,
            }
        }
        Ok(())
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters and `?` exactly
/// one. Greedy with one backtrack point (the last `*`), so linear in practice.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // The last `*` seen and the text position it currently stands in for.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = t.get(ti) {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&q) if q == '?' || q == c => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry after it.
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    pi = sp + 1;
                    ti = st + 1;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&q| q == '*'))
}

/// An expression whose selectors are resolved to node ids.
#[derive(Debug, Clone, PartialEq)]
pub enum Diagram {
    /// A gate over nodes.
    Nodes {
        /// The rule.
        gate: Gate,
        /// The named nodes selected, in id order, each once.
        nodes: Vec<NodeId>,
        /// How many nodes declared without names are selected (all of them with `*`, else 0).
        unnamed: u64,
    },
    /// A gate over sub-diagrams.
    Parts {
        /// The rule.
        gate: Gate,
        /// The sub-diagrams.
        parts: Vec<Diagram>,
    },
}

/// Why an expression does not fit a trace.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SelectError {
    /// A selector picks no node.
    #[error(
        "--system: selector `{selector}` matches no node; a selector is a node-name glob \
         (`web-*`), `key=value` on a node attribute (an extra column of the trace), terms joined \
         by `+` that must all hold, or `*` for every node"
    )]
    NoMatch {
        /// The selector as written.
        selector: String,
    },
    /// `k:K` over a selection with fewer than K nodes in service at once.
    #[error(
        "--system: `{expr}` needs {k} nodes up but at most {nodes} of its selection are in \
         service at once; give K from 1 to {nodes}"
    )]
    TooFew {
        /// The sub-expression.
        expr: String,
        /// The K asked for.
        k: u64,
        /// The most nodes of the selection in service at once.
        nodes: u64,
    },
}

/// Resolves the selectors of `expr` against the nodes of `trace`.
pub fn resolve(expr: &Expr, trace: &Trace) -> Result<Diagram, SelectError> {
    match expr {
        Expr::Parts { gate, parts } => Ok(Diagram::Parts {
            gate: *gate,
            parts: parts
                .iter()
                .map(|part| resolve(part, trace))
                .collect::<Result<_, _>>()?,
        }),
        Expr::Nodes { gate, selectors } => {
            let mut selected = vec![false; trace.nodes.len()];
            let mut unnamed = false;
            for selector in selectors {
                let mut matched = false;
                for (node, chosen) in trace.nodes.iter().zip(&mut selected) {
                    if selector.matches(node) {
                        *chosen = true;
                        matched = true;
                    }
                }
                if trace.unnamed_nodes > 0 && selector.matches_unnamed() {
                    unnamed = true;
                    matched = true;
                }
                if !matched {
                    return Err(SelectError::NoMatch {
                        selector: selector.to_string(),
                    });
                }
            }
            let nodes: Vec<NodeId> = (0..trace.nodes.len() as NodeId)
                .zip(&selected)
                .filter_map(|(id, &chosen)| chosen.then_some(id))
                .collect();
            let unnamed = if unnamed { trace.unnamed_nodes } else { 0 };
            if let Gate::AtLeast(k) = gate {
                let services = nodes.iter().map(|&id| trace.nodes[id as usize].service);
                let most = Membership::of(services, unnamed).most_at_once();
                if *k > most {
                    return Err(SelectError::TooFew {
                        expr: expr.to_string(),
                        k: *k,
                        nodes: most,
                    });
                }
            }
            Ok(Diagram::Nodes {
                gate: *gate,
                nodes,
                unnamed,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Fault, Population, TraceBuilder};

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("*", "anything"));
        assert!(glob("n1", "n1"));
        assert!(!glob("n1", "n10"));
        assert!(glob("n*", "n10"));
        assert!(glob("web-?", "web-3"));
        assert!(!glob("web-?", "web-12"));
        assert!(glob("*-a*", "cluster-ab"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
        assert!(glob("**", "x"));
        assert!(!glob("?", ""));
    }

    /// n1, n2 in zone a; web-1 in zone b with role front; two nodes declared without names.
    fn trace() -> Trace {
        let mut b = TraceBuilder::new();
        for (name, zone) in [("n1", "a"), ("n2", "a"), ("web-1", "b")] {
            let id = b.node(name);
            b.attr(id, "zone", zone);
            b.outage(id, 0.0, 1.0, Fault::Unknown, None);
        }
        let web = b.node("web-1");
        b.attr(web, "role", "front");
        let mut t = b.finish().expect("a trace");
        t.declare_population(&Population::Count(5))
            .expect("5 nodes");
        t
    }

    fn nodes(text: &str) -> Result<Diagram, SelectError> {
        match super::super::SystemExpr::parse(text) {
            Ok(super::super::SystemExpr::Expr(expr)) => resolve(&expr, &trace()),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn picked(text: &str) -> (Vec<NodeId>, u64) {
        match nodes(text) {
            Ok(Diagram::Nodes { nodes, unnamed, .. }) => (nodes, unnamed),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn selections() {
        assert_eq!(picked("all(*)"), (vec![0, 1, 2], 2));
        assert_eq!(picked("all(n*)"), (vec![0, 1], 0));
        assert_eq!(picked("all(zone=a)"), (vec![0, 1], 0));
        assert_eq!(picked("all(n2, web-*)"), (vec![1, 2], 0));
        assert_eq!(picked("all(zone=b+role=front)"), (vec![2], 0));
        assert_eq!(picked("all(zone=*+n1)"), (vec![0], 0));
        // A union names each node once.
        assert_eq!(picked("all(n1, zone=a, n*)"), (vec![0, 1], 0));
    }

    #[test]
    fn a_selector_that_matches_nothing_is_named() {
        assert_eq!(
            nodes("any(n1, zone=c)"),
            Err(SelectError::NoMatch {
                selector: "zone=c".to_string()
            })
        );
        assert_eq!(
            nodes("any(zone=a+role=front)"),
            Err(SelectError::NoMatch {
                selector: "zone=a+role=front".to_string()
            })
        );
    }

    #[test]
    fn k_needs_that_many_nodes_in_the_selection() {
        assert_eq!(
            nodes("series(k:3(zone=a), any(*))"),
            Err(SelectError::TooFew {
                expr: "k:3(zone=a)".to_string(),
                k: 3,
                nodes: 2
            })
        );
        assert!(nodes("k:5(*)").is_ok());
        let message = nodes("k:3(zone=a)").expect_err("too few").to_string();
        assert!(
            message.starts_with("--system: `k:3(zone=a)` needs 3 nodes up but at most 2"),
            "{message}"
        );
    }
}
