//! The `--system` parser: a small recursive descent over characters.
//!
//! ```text
//! system   := RULE                     a rule alone, over every node
//!           | call
//! call     := RULE '(' arg (',' arg)* ')'
//! arg      := call                     an argument starting with a word and then `(`
//!           | selector                 anything else
//! selector := term ('+' term)*
//! term     := GLOB | KEY '=' GLOB
//! RULE     := all | series | any | parallel | active-active | quorum | majority | k:K
//! ```
//!
//! Whitespace may surround every token. A word runs up to whitespace, a parenthesis or a comma.
//! The arguments of one call are all calls or all selectors. Errors name the column (from 1,
//! in characters) and what was expected there; a rule alone that is no rule keeps the message
//! `analyze` has always given.

use std::str::FromStr;

use thiserror::Error;

use super::select::{Selector, Term};
use super::{Expr, Gate, SystemExpr};
use crate::analytics::system::SystemRule;

/// Why `--system` does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// A rule alone that is no rule.
    #[error("{0}")]
    Rule(String),
    /// A problem at a column.
    #[error("at column {column}: {problem}")]
    At {
        /// The column, from 1, in characters.
        column: usize,
        /// What is wrong there.
        problem: Problem,
    },
}

/// What is wrong at a column of an expression.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    /// Something else was expected.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What would have fitted.
        expected: String,
        /// What is there (`end of input`, or the character in backquotes).
        found: String,
    },
    /// A word before `(` that names no rule.
    #[error("unknown rule `{0}` before `(`; use all (or series), any (or parallel), quorum or k:K")]
    UnknownRule(String),
    /// Calls nested deeper than [`MAX_NESTING`].
    #[error("calls nested more than {MAX_NESTING} deep")]
    TooDeep,
    /// `k:K` with K not a whole number from 1.
    #[error("`{0}` needs K a whole number from 1, e.g. `k:2(...)`")]
    BadK(String),
    /// `active-passive` inside an expression.
    #[error(
        "active-passive takes no selectors and is no part of an expression (which node serves \
         depends on the failover order over every node); use `--system \
         active-passive:failover=D` alone"
    )]
    ActivePassive,
    /// Selectors and sub-expressions in one argument list.
    #[error(
        "`{arg}` is {this} but the first argument of `{rule}` is {first}; one argument list \
         holds selectors or sub-expressions, not both (the rule over every node is `all(*)`, \
         `any(*)`, ...)"
    )]
    Mixed {
        /// The argument, as far as it was read.
        arg: String,
        /// The call's rule as written.
        rule: String,
        /// What this argument is.
        this: &'static str,
        /// What the first argument is.
        first: &'static str,
    },
    /// `k:K` over fewer than K sub-expressions.
    #[error("`k:{k}` needs {k} of its arguments up but has only {parts}")]
    TooFew {
        /// The K asked for.
        k: u64,
        /// The arguments given.
        parts: usize,
    },
}

/// Parses `--system`.
pub fn parse(text: &str) -> Result<SystemExpr, ParseError> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        depth: 0,
    };
    p.skip_ws();
    let (word, column) = p.word();
    p.skip_ws();
    if word.is_empty() {
        return Err(p.expected("a rule such as `all`, `k:2(*)` or `series(...)`"));
    }
    match p.peek() {
        None => SystemRule::from_str(&word)
            .map(SystemExpr::Rule)
            .map_err(ParseError::Rule),
        Some('(') => {
            let expr = p.call(&word, column)?;
            p.skip_ws();
            if p.peek().is_some() {
                return Err(p.expected("the end after the expression"));
            }
            Ok(SystemExpr::Expr(expr))
        }
        Some(_) => Err(p.expected(&format!("`(` or the end after `{word}`"))),
    }
}

/// An argument of a call, before the call knows which kind its list holds.
enum Arg {
    Call(Expr),
    Selector(Selector),
}

/// The deepest calls may nest: far beyond any system's hierarchy, and shallow enough that the
/// recursive parser and evaluator never run out of stack on hostile input.
pub const MAX_NESTING: usize = 64;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Calls open around the position.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn column(&self) -> usize {
        self.pos + 1
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// An error at the current position.
    fn expected(&self, expected: &str) -> ParseError {
        ParseError::At {
            column: self.column(),
            problem: Problem::Expected {
                expected: expected.to_string(),
                found: self
                    .peek()
                    .map_or("end of input".to_string(), |c| format!("`{c}`")),
            },
        }
    }

    /// Reads a word (up to whitespace, a parenthesis or a comma) and its column.
    fn word(&mut self) -> (String, usize) {
        let column = self.column();
        let mut word = String::new();
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, '(' | ')' | ',') {
                break;
            }
            word.push(c);
            self.pos += 1;
        }
        (word, column)
    }

    /// Whether a call starts here: a word, then (after any whitespace) `(`.
    fn starts_call(&mut self) -> bool {
        let from = self.pos;
        let (word, _) = self.word();
        self.skip_ws();
        let call = !word.is_empty() && self.peek() == Some('(');
        self.pos = from;
        call
    }

    /// The gate a call's word names.
    fn gate(word: &str, column: usize) -> Result<Gate, ParseError> {
        let at = |problem| ParseError::At { column, problem };
        if word.starts_with("active-passive") {
            return Err(at(Problem::ActivePassive));
        }
        match SystemRule::from_str(word) {
            Ok(rule) => Gate::of(rule).ok_or_else(|| at(Problem::ActivePassive)),
            Err(_) if word.starts_with("k:") => Err(at(Problem::BadK(word.to_string()))),
            Err(_) => Err(at(Problem::UnknownRule(word.to_string()))),
        }
    }

    /// A call whose rule `word` (at `column`) has been read; the next character is `(`.
    fn call(&mut self, word: &str, column: usize) -> Result<Expr, ParseError> {
        let gate = Self::gate(word, column)?;
        if self.depth >= MAX_NESTING {
            return Err(ParseError::At {
                column,
                problem: Problem::TooDeep,
            });
        }
        self.depth += 1;
        let expr = self.call_body(gate, word, column);
        self.depth -= 1;
        expr
    }

    /// The rest of a call to `gate` (written `word`, at `column`), from its `(`.
    fn call_body(&mut self, gate: Gate, word: &str, column: usize) -> Result<Expr, ParseError> {
        self.pos += 1;
        let mut args: Vec<(Arg, usize)> = Vec::new();
        loop {
            self.skip_ws();
            let at = self.column();
            let arg = if self.starts_call() {
                let (inner, inner_column) = self.word();
                self.skip_ws();
                Arg::Call(self.call(&inner, inner_column)?)
            } else {
                Arg::Selector(self.selector()?)
            };
            args.push((arg, at));
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    return Err(self.expected(&format!("`,` or `)` after an argument of `{word}`")));
                }
            }
        }
        let kind = |arg: &Arg| match arg {
            Arg::Call(_) => "a sub-expression",
            Arg::Selector(_) => "a node selector",
        };
        let first = kind(&args[0].0);
        let (mut parts, mut selectors) = (Vec::new(), Vec::new());
        for (arg, at) in args {
            if kind(&arg) != first {
                let text = match &arg {
                    Arg::Call(expr) => expr.to_string(),
                    Arg::Selector(selector) => selector.to_string(),
                };
                return Err(ParseError::At {
                    column: at,
                    problem: Problem::Mixed {
                        this: kind(&arg),
                        arg: text,
                        rule: word.to_string(),
                        first,
                    },
                });
            }
            match arg {
                Arg::Call(expr) => parts.push(expr),
                Arg::Selector(selector) => selectors.push(selector),
            }
        }
        if parts.is_empty() {
            return Ok(Expr::Nodes { gate, selectors });
        }
        if let Gate::AtLeast(k) = gate
            && k > parts.len() as u64
        {
            return Err(ParseError::At {
                column,
                problem: Problem::TooFew {
                    k,
                    parts: parts.len(),
                },
            });
        }
        Ok(Expr::Parts { gate, parts })
    }

    /// A selector: terms joined by `+`, up to `,`, `(` or `)`.
    fn selector(&mut self) -> Result<Selector, ParseError> {
        const WHAT: &str = "a selector (a node-name glob such as `web-*`, `key=value` or `*`)";
        let mut terms = Vec::new();
        loop {
            self.skip_ws();
            let column = self.column();
            let mut text = String::new();
            while let Some(c) = self.peek() {
                if matches!(c, '+' | ',' | '(' | ')') {
                    break;
                }
                text.push(c);
                self.pos += 1;
            }
            let text = text.trim_end();
            if text.is_empty() {
                return Err(self.expected(WHAT));
            }
            let term = match text.split_once('=') {
                None => Term::Name(text.to_string()),
                Some((key, value)) if !key.trim().is_empty() && !value.trim().is_empty() => {
                    Term::Attr {
                        key: key.trim().to_string(),
                        value: value.trim().to_string(),
                    }
                }
                Some(_) => {
                    return Err(ParseError::At {
                        column,
                        problem: Problem::Expected {
                            expected: "`key=value` with both a key and a value".to_string(),
                            found: format!("`{text}`"),
                        },
                    });
                }
            };
            terms.push(term);
            if self.peek() == Some('+') {
                self.pos += 1;
            } else {
                return Ok(Selector::new(terms));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(text: &str) -> Expr {
        match parse(text) {
            Ok(SystemExpr::Expr(expr)) => expr,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn error(text: &str) -> (usize, String) {
        match parse(text) {
            Err(ParseError::At { column, problem }) => (column, problem.to_string()),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn a_rule_alone_is_the_rule_over_every_node() {
        assert_eq!(parse("all"), Ok(SystemExpr::Rule(SystemRule::All)));
        assert_eq!(parse(" quorum "), Ok(SystemExpr::Rule(SystemRule::Quorum)));
        assert_eq!(parse("k:2"), Ok(SystemExpr::Rule(SystemRule::AtLeast(2))));
        assert_eq!(parse("series"), Ok(SystemExpr::Rule(SystemRule::All)));
        assert_eq!(
            parse("active-passive:failover=30s"),
            Ok(SystemExpr::Rule(SystemRule::ActivePassive(30.0)))
        );
        match parse("most") {
            Err(ParseError::Rule(message)) => {
                assert!(
                    message.starts_with("unknown system rule `most`"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn selections_and_combinators() {
        assert_eq!(
            expr("k:4(*)"),
            Expr::Nodes {
                gate: Gate::AtLeast(4),
                selectors: vec![Selector::new(vec![Term::Name("*".to_string())])],
            }
        );
        assert_eq!(
            expr("any(role=node+group=a, web-?)"),
            Expr::Nodes {
                gate: Gate::Any,
                selectors: vec![
                    Selector::new(vec![
                        Term::Attr {
                            key: "role".to_string(),
                            value: "node".to_string()
                        },
                        Term::Attr {
                            key: "group".to_string(),
                            value: "a".to_string()
                        },
                    ]),
                    Selector::new(vec![Term::Name("web-?".to_string())]),
                ],
            }
        );
        let nested = expr("series(any(role=controller), k:2(group=cluster-a), quorum(n*))");
        let Expr::Parts { gate, parts } = &nested else {
            panic!("{nested:?}")
        };
        assert_eq!((*gate, parts.len()), (Gate::All, 3));
        assert_eq!(
            nested.to_string(),
            "series(any(role=controller), k:2(group=cluster-a), quorum(n*))"
        );
    }

    #[test]
    fn the_canonical_form_reads_back_the_same() {
        for (written, canonical) in [
            (
                " parallel ( all( n1 ,n2 ) , k:2 ( a*, b*, c* ) ) ",
                "parallel(all(n1, n2), k:2(a*, b*, c*))",
            ),
            ("series(n1, n2)", "all(n1, n2)"),
            ("all(any(x), any(y))", "series(any(x), any(y))"),
            ("majority(zone = a)", "quorum(zone=a)"),
            (
                "k:2(any(zone=a), any(zone=b), any(zone=c))",
                "k:2(any(zone=a), any(zone=b), any(zone=c))",
            ),
        ] {
            let parsed = expr(written);
            assert_eq!(parsed.to_string(), canonical);
            assert_eq!(expr(canonical), parsed);
        }
    }

    #[test]
    fn errors_name_the_column_and_what_was_expected() {
        let unclosed = "series(any(n1), k:2(n2, n3)";
        assert_eq!(
            error(unclosed),
            (
                28,
                "expected `,` or `)` after an argument of `series`, found end of input".to_string()
            )
        );
        assert_eq!(
            error("any(n1,)"),
            (
                8,
                "expected a selector (a node-name glob such as `web-*`, `key=value` or `*`), \
                 found `)`"
                    .to_string()
            )
        );
        assert_eq!(error("any()").0, 5);
        assert_eq!(
            error("any(n1) x"),
            (
                9,
                "expected the end after the expression, found `x`".to_string()
            )
        );
        assert_eq!(
            error("all x"),
            (
                5,
                "expected `(` or the end after `all`, found `x`".to_string()
            )
        );
        assert_eq!(
            error("  "),
            (
                3,
                "expected a rule such as `all`, `k:2(*)` or `series(...)`, found end of input"
                    .to_string()
            )
        );
        assert_eq!(
            error("any(zone=)"),
            (
                5,
                "expected `key=value` with both a key and a value, found `zone=`".to_string()
            )
        );
        // A word followed by `(` is a call, whatever the space between.
        assert_eq!(error("any(n1 (x))").0, 5);
        assert_eq!(error("any(n1 n2(x))").0, 10);
    }

    #[test]
    fn rules_that_cannot_be_calls() {
        assert_eq!(
            error("series(n1, foo(n2))"),
            (
                12,
                "unknown rule `foo` before `(`; use all (or series), any (or parallel), quorum \
                 or k:K"
                    .to_string()
            )
        );
        assert_eq!(error("k:0(n1)").0, 1);
        assert!(
            error("k:x(n1)")
                .1
                .starts_with("`k:x` needs K a whole number")
        );
        let (column, message) = error("series(any(n1), active-passive:failover=5s(n2))");
        assert_eq!(column, 17);
        assert!(
            message.starts_with("active-passive takes no selectors"),
            "{message}"
        );
        assert_eq!(error("active-passive(n1)").0, 1);
    }

    #[test]
    fn one_argument_list_holds_one_kind() {
        assert_eq!(
            error("series(any(n1), n2)"),
            (
                17,
                "`n2` is a node selector but the first argument of `series` is a \
                 sub-expression; one argument list holds selectors or sub-expressions, not both \
                 (the rule over every node is `all(*)`, `any(*)`, ...)"
                    .to_string()
            )
        );
        let (column, message) = error("any(n1, all(n2))");
        assert_eq!(column, 9);
        assert!(
            message.starts_with("`all(n2)` is a sub-expression but"),
            "{message}"
        );
        // A rule name without parentheses is a selector (a node called `all`).
        assert_eq!(error("series(all, any(n1))").0, 13);
    }

    #[test]
    fn k_cannot_exceed_its_sub_expressions() {
        assert_eq!(
            error("series(k:3(any(n1), any(n2)))"),
            (
                8,
                "`k:3` needs 3 of its arguments up but has only 2".to_string()
            )
        );
        // Over selectors K is checked against the nodes selected (see `select`).
        assert!(matches!(parse("k:3(n1, n2)"), Ok(SystemExpr::Expr(_))));
    }
}
