//! `faultline zk exec`: a JSONL script of operations against one store, and one JSON line per
//! result (DESIGN.md, "`faultline zk exec`"), each fired watch right after its op.
//!
//! Data is text (UTF-8). ACL entries are `{"perms": 31, "scheme": "world", "id": "anyone"}`;
//! `perms` may also be letters (`"rwcda"`). `create` takes an optional `acl` (default
//! `world:anyone` with every permission).

use serde::Deserialize;
use serde_json::{Value, json};
use thiserror::Error;

use super::ZkError;
use super::acl::{Acl, everyone};
use super::ops::Write;
use super::store::{Reply, Request, Standalone, WatchEvent};
use super::tree::Stat;

/// A script line that is not a valid op.
#[derive(Debug, Error)]
#[error("line {line}: {reason}")]
pub struct ScriptError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Perms {
    Bits(u32),
    Letters(String),
}

#[derive(Debug, Deserialize)]
struct AclEntry {
    perms: Perms,
    scheme: String,
    id: String,
}

fn acl(entries: Option<Vec<AclEntry>>) -> Result<Vec<Acl>, String> {
    let Some(entries) = entries else {
        return Ok(everyone());
    };
    entries
        .into_iter()
        .map(|e| {
            let perms = match e.perms {
                Perms::Bits(bits) => bits,
                Perms::Letters(letters) => letters.chars().try_fold(0, |acc, c| {
                    let bit = match c {
                        'r' => 1,
                        'w' => 2,
                        'c' => 4,
                        'd' => 8,
                        'a' => 16,
                        other => return Err(format!("unknown permission `{other}`; use rwcda")),
                    };
                    Ok(acc | bit)
                })?,
            };
            Ok(Acl {
                perms,
                scheme: e.scheme,
                id: e.id,
            })
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Op {
    Create {
        path: String,
        #[serde(default)]
        data: String,
        #[serde(default)]
        ephemeral: bool,
        #[serde(default)]
        sequential: bool,
        acl: Option<Vec<AclEntry>>,
        session: Option<String>,
    },
    Delete {
        path: String,
        #[serde(default = "any_version")]
        version: i32,
        session: Option<String>,
    },
    Exists {
        path: String,
        #[serde(default)]
        watch: bool,
        session: Option<String>,
    },
    Get {
        path: String,
        #[serde(default)]
        watch: bool,
        session: Option<String>,
    },
    Children {
        path: String,
        #[serde(default)]
        watch: bool,
        session: Option<String>,
    },
    Set {
        path: String,
        #[serde(default)]
        data: String,
        #[serde(default = "any_version")]
        version: i32,
        session: Option<String>,
    },
    GetAcl {
        path: String,
        session: Option<String>,
    },
    SetAcl {
        path: String,
        acl: Option<Vec<AclEntry>>,
        #[serde(default = "any_version")]
        version: i32,
        session: Option<String>,
    },
    Sync {
        #[serde(default = "root")]
        path: String,
        session: Option<String>,
    },
    Close {
        session: Option<String>,
    },
    Multi {
        ops: Vec<Value>,
        session: Option<String>,
    },
    Check {
        path: String,
        #[serde(default = "any_version")]
        version: i32,
        /// Accepted for symmetry; a check belongs to its multi's session.
        #[serde(rename = "session")]
        _session: Option<String>,
    },
}

fn any_version() -> i32 {
    -1
}

fn root() -> String {
    "/".to_string()
}

/// The write an op stands for, for a multi.
fn write_of(op: Op) -> Result<Write, String> {
    Ok(match op {
        Op::Create {
            path,
            data,
            ephemeral,
            sequential,
            acl: entries,
            ..
        } => Write::Create {
            path,
            data: data.into_bytes(),
            ephemeral,
            sequential,
            acl: acl(entries)?,
        },
        Op::Delete { path, version, .. } => Write::Delete { path, version },
        Op::Set {
            path,
            data,
            version,
            ..
        } => Write::SetData {
            path,
            data: data.into_bytes(),
            version,
        },
        Op::Check { path, version, .. } => Write::Check { path, version },
        _ => return Err("a multi holds create, delete, set and check ops only".to_string()),
    })
}

/// Parses one script line into a session and a request.
fn parse(line: &str) -> Result<(String, Request), String> {
    let op: Op = serde_json::from_str(line).map_err(|e| format!("not a valid op: {e}"))?;
    let session = |s: &Option<String>| s.clone().unwrap_or_else(|| "s1".to_string());
    Ok(match op {
        Op::Exists {
            path,
            watch,
            session: s,
        } => (session(&s), Request::Exists { path, watch }),
        Op::Get {
            path,
            watch,
            session: s,
        } => (session(&s), Request::Get { path, watch }),
        Op::Children {
            path,
            watch,
            session: s,
        } => (session(&s), Request::Children { path, watch }),
        Op::GetAcl { path, session: s } => (session(&s), Request::GetAcl { path }),
        Op::SetAcl {
            path,
            acl: entries,
            version,
            session: s,
        } => (
            session(&s),
            Request::Write(Write::SetAcl {
                path,
                acl: acl(entries)?,
                version,
            }),
        ),
        Op::Sync { path, session: s } => (session(&s), Request::Sync { path }),
        Op::Close { session: s } => (session(&s), Request::Close),
        Op::Multi { ops, session: s } => {
            let writes = ops
                .into_iter()
                .map(|v| {
                    let op: Op = serde_json::from_value(v).map_err(|e| format!("in multi: {e}"))?;
                    write_of(op)
                })
                .collect::<Result<Vec<_>, String>>()?;
            (session(&s), Request::Multi(writes))
        }
        Op::Check { .. } => {
            return Err("`check` is an op of a multi only".to_string());
        }
        op @ (Op::Create { .. } | Op::Delete { .. } | Op::Set { .. }) => {
            let s = match &op {
                Op::Create { session, .. }
                | Op::Delete { session, .. }
                | Op::Set { session, .. } => session.clone(),
                _ => None,
            };
            (session(&s), Request::Write(write_of(op)?))
        }
    })
}

fn stat(s: &Stat) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

/// A result line, as `zk exec` prints it.
pub fn reply_json(reply: &Result<Reply, ZkError>) -> Value {
    match reply {
        Err(e) => json!({"ok": false, "error": e.to_string()}),
        Ok(Reply::Created(path)) => json!({"ok": true, "path": path}),
        Ok(Reply::Done) => json!({"ok": true}),
        Ok(Reply::Stat(s)) => json!({"ok": true, "stat": s.as_ref().map(stat)}),
        Ok(Reply::Data(data, s)) => {
            json!({"ok": true, "data": String::from_utf8_lossy(data), "stat": stat(s)})
        }
        Ok(Reply::Children(children)) => json!({"ok": true, "children": children}),
        Ok(Reply::Acl(entries, s)) => json!({"ok": true, "acl": entries, "stat": stat(s)}),
        Ok(Reply::Multi(replies)) => {
            let results: Vec<Value> = replies.iter().map(|r| reply_json(&Ok(r.clone()))).collect();
            json!({"ok": true, "results": results})
        }
        Ok(Reply::MultiFailed { at, error, len }) => {
            let results: Vec<String> = (0..*len)
                .map(|i| match i.cmp(at) {
                    std::cmp::Ordering::Less => "RolledBack".to_string(),
                    std::cmp::Ordering::Equal => error.to_string(),
                    std::cmp::Ordering::Greater => "RuntimeInconsistency".to_string(),
                })
                .collect();
            json!({"ok": false, "error": error.to_string(), "results": results})
        }
    }
}

/// A watch event line, as `zk exec` prints it.
pub fn event_json(e: &WatchEvent) -> Value {
    json!({"event": {"session": e.session, "type": e.kind.name(), "path": e.path}})
}

/// A parsed script: each op's session and request, in order.
pub type Script = Vec<(String, Request)>;

/// Parses a whole script into (session, request) pairs; a malformed line stops it with its
/// number. Blank lines and `#` comments are skipped.
pub fn parse_script(script: &str) -> Result<Script, ScriptError> {
    let mut requests = Vec::new();
    for (i, line) in script.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let parsed = parse(line).map_err(|reason| ScriptError {
            line: i + 1,
            reason,
        })?;
        requests.push(parsed);
    }
    Ok(requests)
}

/// Runs a whole script; returns the output lines. A malformed line stops it with its number.
pub fn run(script: &str) -> Result<Vec<String>, ScriptError> {
    let requests = parse_script(script)?;
    let mut store = Standalone::default();
    let mut out = Vec::new();
    for (session, request) in &requests {
        let (reply, events) = store.execute(session, request);
        out.push(reply_json(&reply).to_string());
        out.extend(events.iter().map(|e| event_json(e).to_string()));
    }
    Ok(out)
}
