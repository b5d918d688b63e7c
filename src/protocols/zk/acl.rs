//! Access control lists: schemes `world` (id `anyone`) and `digest` (id
//! `user:base64(sha1(user:password))`), permissions read, write, create, delete, admin.
//!
//! Sessions here authenticate with nothing, so they match `world:anyone` entries only; a node
//! whose ACL grants a permission only to digest identities denies it (`NoAuth`).

use serde::{Deserialize, Serialize};

use super::ZkError;

/// Permission bits, as ZooKeeper numbers them.
pub mod perms {
    /// Read data and children.
    pub const READ: u32 = 1;
    /// Set data.
    pub const WRITE: u32 = 2;
    /// Create children.
    pub const CREATE: u32 = 4;
    /// Delete children.
    pub const DELETE: u32 = 8;
    /// Set the ACL.
    pub const ADMIN: u32 = 16;
    /// Everything.
    pub const ALL: u32 = 31;
}

/// One ACL entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    /// Permission bits.
    pub perms: u32,
    /// `world` or `digest`.
    pub scheme: String,
    /// `anyone`, or `user:hash`.
    pub id: String,
}

/// `world:anyone` with every permission (ZooKeeper's `OPEN_ACL_UNSAFE`).
pub fn everyone() -> Vec<Acl> {
    vec![Acl {
        perms: perms::ALL,
        scheme: "world".into(),
        id: "anyone".into(),
    }]
}

/// `world:anyone` may read (ZooKeeper's `READ_ACL_UNSAFE`).
pub fn read_only() -> Vec<Acl> {
    vec![Acl {
        perms: perms::READ,
        scheme: "world".into(),
        id: "anyone".into(),
    }]
}

/// Checks an ACL to set: not empty, known schemes, valid ids and permissions (`InvalidACL`).
pub fn validate(acl: &[Acl]) -> Result<(), ZkError> {
    if acl.is_empty() {
        return Err(ZkError::InvalidAcl);
    }
    for entry in acl {
        let ok = entry.perms <= perms::ALL
            && match entry.scheme.as_str() {
                "world" => entry.id == "anyone",
                "digest" => entry
                    .id
                    .split_once(':')
                    .is_some_and(|(u, h)| !u.is_empty() && !h.is_empty()),
                _ => false,
            };
        if !ok {
            return Err(ZkError::InvalidAcl);
        }
    }
    Ok(())
}

/// Whether an unauthenticated session holds any of the permissions in `mask`.
pub fn allows(acl: &[Acl], mask: u32) -> bool {
    acl.iter()
        .any(|a| a.scheme == "world" && a.id == "anyone" && a.perms & mask != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_grants_and_digest_does_not() {
        assert!(allows(&everyone(), perms::WRITE));
        assert!(!allows(&read_only(), perms::WRITE));
        let digest = vec![Acl {
            perms: perms::ALL,
            scheme: "digest".into(),
            id: "bob:abc=".into(),
        }];
        assert!(!allows(&digest, perms::READ));
        assert_eq!(validate(&digest), Ok(()));
        assert_eq!(validate(&[]), Err(ZkError::InvalidAcl));
        let bad = vec![Acl {
            perms: 1,
            scheme: "ip".into(),
            id: "1.2.3.4".into(),
        }];
        assert_eq!(validate(&bad), Err(ZkError::InvalidAcl));
    }
}
