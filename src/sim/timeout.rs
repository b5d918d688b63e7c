//! Timeout expressions: `2d+r`, `1.5*(2d+r)`, `h+2d+r`, `250ms`.
//!
//! Arithmetic (`+ - * /`, parentheses) over durations and three names: `d`, the one-way delay
//! bound (the delay model's bound or p99.9), `r`, the receiver's processing time, and `h`, the
//! heartbeat or probe interval. A number directly followed by a name multiplies it (`2d` is
//! twice `d`), so inside an expression `d` and `h` are names, never days or hours: durations take
//! the units `ns`, `us`, `ms`, `s` and `m`/`min`. A bare number counts as seconds.

use std::fmt;

use thiserror::Error;

/// The values of `d`, `r` and `h`, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Names {
    /// One-way delay bound.
    pub d: f64,
    /// Processing time.
    pub r: f64,
    /// Heartbeat or probe interval.
    pub h: f64,
}

/// An expression that does not parse or does not give a positive time.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("timeout `{text}`: {reason} (e.g. `2d+r`, `1.5*(2d+r)`, `h+2d+r`, `250ms`)")]
pub struct TimeoutError {
    /// The expression.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

/// A parsed timeout expression.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeoutExpr {
    text: String,
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Seconds(f64),
    Name(char),
    Binary(Box<Node>, char, Box<Node>),
}

impl Node {
    fn eval(&self, names: &Names) -> f64 {
        match self {
            Node::Seconds(s) => *s,
            Node::Name('d') => names.d,
            Node::Name('r') => names.r,
            Node::Name(_) => names.h,
            Node::Binary(a, op, b) => {
                let (a, b) = (a.eval(names), b.eval(names));
                match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ => a / b,
                }
            }
        }
    }
}

/// The longest expression read, in characters, and the deepest its parentheses may nest: far
/// beyond any timeout anyone writes, and small enough that the recursive parser and evaluator
/// never run out of stack on hostile input.
const MAX_LENGTH: usize = 1_000;
const MAX_NESTING: usize = 32;

struct Parser<'a> {
    chars: Vec<char>,
    at: usize,
    text: &'a str,
    /// Parentheses open around the position.
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, reason: impl Into<String>) -> TimeoutError {
        TimeoutError {
            text: self.text.to_string(),
            reason: reason.into(),
        }
    }

    fn peek(&mut self) -> Option<char> {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
        self.chars.get(self.at).copied()
    }

    fn expr(&mut self) -> Result<Node, TimeoutError> {
        let mut left = self.term()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.at += 1;
            left = Node::Binary(Box::new(left), op, Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Node, TimeoutError> {
        let mut left = self.factor()?;
        while let Some(op @ ('*' | '/')) = self.peek() {
            self.at += 1;
            left = Node::Binary(Box::new(left), op, Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Node, TimeoutError> {
        match self.peek() {
            Some('(') => {
                if self.depth >= MAX_NESTING {
                    return Err(
                        self.error(format!("parentheses nested more than {MAX_NESTING} deep"))
                    );
                }
                self.at += 1;
                self.depth += 1;
                let inner = self.expr()?;
                self.depth -= 1;
                if self.peek() != Some(')') {
                    return Err(self.error("a `(` is not closed"));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(c @ ('d' | 'r' | 'h')) => {
                self.at += 1;
                Ok(Node::Name(c))
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(c) => Err(self.error(format!("unexpected `{c}`"))),
            None => Err(self.error("it ends too early")),
        }
    }

    fn number(&mut self) -> Result<Node, TimeoutError> {
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|c| c.is_ascii_digit() || *c == '.')
        {
            self.at += 1;
        }
        let digits: String = self.chars[start..self.at].iter().collect();
        let value: f64 = digits
            .parse()
            .map_err(|_| self.error(format!("`{digits}` is not a number")))?;
        let unit_start = self.at;
        while self.chars.get(self.at).is_some_and(|c| c.is_alphabetic()) {
            self.at += 1;
        }
        let unit: String = self.chars[unit_start..self.at].iter().collect();
        let scale = match unit.as_str() {
            "" | "s" => 1.0,
            "ns" => 1e-9,
            "us" => 1e-6,
            "ms" => 1e-3,
            "m" | "min" => 60.0,
            "d" | "r" | "h" => {
                let name = unit.chars().next().unwrap_or('d');
                return Ok(Node::Binary(
                    Box::new(Node::Seconds(value)),
                    '*',
                    Box::new(Node::Name(name)),
                ));
            }
            other => return Err(self.error(format!("unknown unit or name `{other}`"))),
        };
        let number = Node::Seconds(value * scale);
        if self.peek() == Some('(') {
            // `2(d+r)` multiplies.
            let group = self.factor()?;
            return Ok(Node::Binary(Box::new(number), '*', Box::new(group)));
        }
        Ok(number)
    }
}

impl TimeoutExpr {
    /// Parses an expression.
    pub fn parse(text: &str) -> Result<Self, TimeoutError> {
        if text.chars().count() > MAX_LENGTH {
            return Err(TimeoutError {
                text: text.chars().take(40).collect::<String>() + "...",
                reason: format!("longer than {MAX_LENGTH} characters"),
            });
        }
        let mut parser = Parser {
            chars: text.chars().collect(),
            at: 0,
            text,
            depth: 0,
        };
        let root = parser.expr()?;
        if let Some(c) = parser.peek() {
            return Err(parser.error(format!("unexpected `{c}`")));
        }
        Ok(Self {
            text: text.trim().to_string(),
            root,
        })
    }

    /// The value in seconds for these names; it must be positive.
    pub fn seconds(&self, names: &Names) -> Result<f64, TimeoutError> {
        let value = self.root.eval(names);
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(TimeoutError {
                text: self.text.clone(),
                reason: format!("it comes to {value} s; a timeout must be positive"),
            })
        }
    }
}

impl fmt::Display for TimeoutExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: Names = Names {
        d: 0.010,
        r: 0.002,
        h: 1.0,
    };

    fn value(text: &str) -> f64 {
        TimeoutExpr::parse(text).unwrap().seconds(&NAMES).unwrap()
    }

    fn near(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn the_classic_expressions() {
        near(value("2d+r"), 0.022);
        near(value("1.5*(2d+r)"), 0.033);
        near(value("h+2d+r"), 1.022);
        near(value("3*(2d+r)"), 0.066);
        near(value("2(d+r)"), 0.024);
        near(value("250ms"), 0.25);
        near(value("1s + 2d"), 1.02);
        near(value("(h - r) / 2"), 0.499);
        near(value("d"), 0.010);
    }

    #[test]
    fn nonsense_is_explained() {
        for text in ["", "2x", "(d+r", "d r", "2d+", "5 days"] {
            assert!(TimeoutExpr::parse(text).is_err(), "{text}");
        }
        let negative = TimeoutExpr::parse("r-d").unwrap();
        assert!(
            negative
                .seconds(&NAMES)
                .unwrap_err()
                .reason
                .contains("positive")
        );
    }
}
