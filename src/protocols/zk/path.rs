//! ZooKeeper's path rules (`PathUtils.validatePath`): absolute, no trailing `/` (except the
//! root), no empty, `.` or `..` component, no NUL or other control characters.

use super::ZkError;

/// Checks a path; a sequential create checks the path with a suffix (so it may end in `/`).
pub fn validate(path: &str, sequential: bool) -> Result<(), ZkError> {
    let owned;
    let path = if sequential {
        owned = format!("{path}1");
        owned.as_str()
    } else {
        path
    };
    if !path.starts_with('/') {
        return Err(ZkError::BadArguments);
    }
    if path == "/" {
        return Ok(());
    }
    if path.ends_with('/') {
        return Err(ZkError::BadArguments);
    }
    for component in path[1..].split('/') {
        if component.is_empty() || component == "." || component == ".." {
            return Err(ZkError::BadArguments);
        }
        if component.chars().any(|c| {
            c == '\0' || ('\u{1}'..='\u{1f}').contains(&c) || ('\u{7f}'..='\u{9f}').contains(&c)
        }) {
            return Err(ZkError::BadArguments);
        }
    }
    Ok(())
}

/// `(parent, name)` of a path other than the root.
pub fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("/", path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        for good in ["/", "/a", "/a/b", "/a.b", "/...", "/a-1"] {
            assert_eq!(validate(good, false), Ok(()), "{good}");
        }
        for bad in ["", "a", "/a/", "//a", "/a//b", "/./a", "/a/..", "/a\0b"] {
            assert_eq!(validate(bad, false), Err(ZkError::BadArguments), "{bad:?}");
        }
        assert_eq!(
            validate("/a/", true),
            Ok(()),
            "a sequential create may end in /"
        );
    }

    #[test]
    fn parents() {
        assert_eq!(split("/a"), ("/", "a"));
        assert_eq!(split("/a/b/c"), ("/a/b", "c"));
    }
}
