//! Writing result files so that a reader never sees a partial one.
//!
//! Output goes to a temporary file in the destination's folder, which is renamed over the
//! destination only once everything was written and flushed; on any error the temporary file is
//! removed and the destination is left as it was. The temporary files being written are listed
//! ([`remove_pending_and_exit`]), so that a run stopped by a signal removes them before it
//! exits: an interrupted command leaves complete files and nothing else. A temporary file is
//! created and listed under one lock, and the signal handler holds that lock until the process
//! is gone, so no file can be created between the clean-up and the exit.
//!
//! JSON results go through [`json_pretty`], which writes no negative zero.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{Number, Value};

/// `value` as indented JSON and a line end, with every `-0.0` written as `0.0`: a negative zero
/// is an artefact of floating-point arithmetic (`-log10(1)`), never a figure, and `-0.0` reads
/// as a small negative number where there is none.
pub fn json_pretty(value: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    fn fix(value: &mut Value) {
        match value {
            Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|x| x == 0.0) => {
                if let Some(zero) = Number::from_f64(0.0) {
                    *n = zero;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(fix),
            Value::Object(map) => map.values_mut().for_each(fix),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(value)?;
    fix(&mut value);
    let mut out = serde_json::to_vec_pretty(&value)?;
    out.push(b'\n');
    Ok(out)
}

/// Temporary files being written now.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic elsewhere while the list was held leaves it whole: it is a list of paths.
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A temporary file on the pending list while this lives: for a writer that must name its own
/// temporary file (the PNG encoder), so that an interrupt removes it too.
pub struct Pending(PathBuf);

impl Pending {
    /// Lists `path` as being written until the guard is dropped.
    pub fn new(path: &Path) -> Self {
        pending().push(path.to_path_buf());
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        pending().retain(|p| p != &self.0);
    }
}

/// Removes every temporary file being written now and ends the process with `code`; for a
/// signal handler. A file renamed into place is no longer on the list, so only partial files
/// go; the list stays locked until the exit, so no new one can start meanwhile.
pub fn remove_pending_and_exit(code: i32) -> ! {
    let list = pending();
    for path in list.iter() {
        let _ = std::fs::remove_file(path);
    }
    std::process::exit(code)
}

/// Writes `path` through `fill`, atomically.
pub fn write_atomically<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(folder)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".faultline-").suffix(".partial");
    // Results are for reading: the usual rw-r--r--, not the temporary file's private rw-------.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    // Created and listed under one lock: a signal cannot come between the two.
    let (temp, _pending) = {
        let mut list = pending();
        let temp = builder.tempfile_in(folder)?;
        list.push(temp.path().to_path_buf());
        let listed = Pending(temp.path().to_path_buf());
        (temp, listed)
    };
    let mut writer = BufWriter::new(temp);
    fill(&mut writer)?;
    let temp = writer.into_inner().map_err(|e| e.into_error())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_no_negative_zero() {
        let value = serde_json::json!({"a": -0.0, "b": [0.0, -0.0, -1.5], "c": 0});
        assert_eq!(
            String::from_utf8(json_pretty(&value).unwrap()).unwrap(),
            "{\n  \"a\": 0.0,\n  \"b\": [\n    0.0,\n    0.0,\n    -1.5\n  ],\n  \"c\": 0\n}\n"
        );
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let result = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("boom"))
        });
        assert!(result.is_err());
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_file_being_written_is_pending_until_renamed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mine = || -> Vec<PathBuf> {
            pending()
                .iter()
                .filter(|p| p.starts_with(dir.path()))
                .cloned()
                .collect()
        };
        write_atomically(&path, |w| {
            w.write_all(b"half")?;
            let temps = mine();
            assert_eq!(temps.len(), 1);
            assert!(temps[0].exists() && temps[0] != path);
            Ok(())
        })
        .unwrap();
        assert!(mine().is_empty());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "half");
    }

    #[test]
    fn a_good_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.csv");
        write_atomically(&path, |w| w.write_all(b"one")).unwrap();
        write_atomically(&path, |w| w.write_all(b"two")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
    }
}
