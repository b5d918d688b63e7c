//! Requests, their preparation into transactions, and the transactions' application.
//!
//! As in ZooKeeper, a write is handled in two steps: [`prepare`] checks the request against the
//! current tree (in the order ZooKeeper's `PrepRequestProcessor` checks it, so the same error
//! wins when several apply) and turns it into a [`Txn`]; [`apply`] applies a transaction
//! deterministically with the zxid and time it is given. A replicated store agrees on the
//! transactions and applies them on every server.

use super::ZkError;
use super::acl::{self, Acl, perms};
use super::path;
use super::tree::{NewNode, Nodes, NodesMut};

/// Largest data a znode may hold (ZooKeeper's default `jute.maxbuffer`).
pub const MAX_DATA: usize = 1 << 20;

/// A write request.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Create a node.
    Create {
        /// Its path (a prefix, for a sequential node).
        path: String,
        /// Its data.
        data: Vec<u8>,
        /// Owned by the session and deleted when it ends.
        ephemeral: bool,
        /// Suffixed with the number of children the parent ever had created.
        sequential: bool,
        /// Its ACL.
        acl: Vec<Acl>,
    },
    /// Delete a node, if its version matches (-1 matches any).
    Delete {
        /// The path.
        path: String,
        /// Expected version.
        version: i32,
    },
    /// Set a node's data, if its version matches.
    SetData {
        /// The path.
        path: String,
        /// New data.
        data: Vec<u8>,
        /// Expected version.
        version: i32,
    },
    /// Set a node's ACL, if its ACL version matches.
    SetAcl {
        /// The path.
        path: String,
        /// New ACL.
        acl: Vec<Acl>,
        /// Expected ACL version.
        version: i32,
    },
    /// Check a node's version (inside a multi).
    Check {
        /// The path.
        path: String,
        /// Expected version.
        version: i32,
    },
}

impl Write {
    /// The node the write concerns.
    pub fn path(&self) -> &str {
        match self {
            Write::Create { path, .. }
            | Write::Delete { path, .. }
            | Write::SetData { path, .. }
            | Write::SetAcl { path, .. }
            | Write::Check { path, .. } => path,
        }
    }
}

/// A prepared change, applied as is on every server.
#[derive(Debug, Clone, PartialEq)]
pub enum Txn {
    /// Create `path` (the final path of a sequential node).
    Create {
        /// Final path.
        path: String,
        /// Data, ACL and owner.
        node: NewNode,
        /// The parent's new count of children created.
        parent_creates: i32,
    },
    /// Delete `path`.
    Delete {
        /// The path.
        path: String,
    },
    /// Set data at version `version`.
    SetData {
        /// The path.
        path: String,
        /// New data.
        data: Vec<u8>,
        /// New version.
        version: i32,
    },
    /// Set the ACL at ACL version `version`.
    SetAcl {
        /// The path.
        path: String,
        /// New ACL.
        acl: Vec<Acl>,
        /// New ACL version.
        version: i32,
    },
    /// A check that passed: changes nothing.
    Check,
}

fn node<'t>(tree: &'t impl Nodes, path: &str) -> Result<&'t super::tree::Znode, ZkError> {
    tree.node(path).ok_or(ZkError::NoNode)
}

fn permitted(acl: &[Acl], mask: u32) -> Result<(), ZkError> {
    if acl::allows(acl, mask) {
        Ok(())
    } else {
        Err(ZkError::NoAuth)
    }
}

/// `expected` is -1 or equals `current`: the new version, else `BadVersion`.
fn next_version(current: i32, expected: i32) -> Result<i32, ZkError> {
    if expected == -1 || expected == current {
        Ok(current + 1)
    } else {
        Err(ZkError::BadVersion)
    }
}

/// Checks a write against the tree and turns it into a transaction.
pub fn prepare(tree: &impl Nodes, session: &str, write: &Write) -> Result<Txn, ZkError> {
    match write {
        Write::Create {
            path,
            data,
            ephemeral,
            sequential,
            acl: entries,
        } => {
            path::validate(path, *sequential)?;
            if path == "/" || data.len() > MAX_DATA {
                return Err(ZkError::BadArguments);
            }
            acl::validate(entries)?;
            let (parent_path, _) = path::split(path);
            let parent = node(tree, parent_path)?;
            permitted(&parent.acl, perms::CREATE)?;
            let creates = parent.creates;
            let path = if *sequential {
                format!("{path}{creates:010}")
            } else {
                path.clone()
            };
            path::validate(&path, false)?;
            if tree.node(&path).is_some() {
                return Err(ZkError::NodeExists);
            }
            if parent.stat.ephemeral_owner.is_some() {
                return Err(ZkError::NoChildrenForEphemerals);
            }
            Ok(Txn::Create {
                path,
                node: NewNode {
                    data: data.clone(),
                    acl: entries.clone(),
                    owner: ephemeral.then(|| session.to_string()),
                },
                parent_creates: creates + 1,
            })
        }
        Write::Delete { path, version } => {
            path::validate(path, false)?;
            if path == "/" || path == "/zookeeper" || path.starts_with("/zookeeper/") {
                return Err(ZkError::BadArguments);
            }
            // ZooKeeper 3.8 checks the parent's DELETE permission before the node's existence.
            let parent = node(tree, path::split(path).0)?;
            permitted(&parent.acl, perms::DELETE)?;
            let target = node(tree, path)?;
            next_version(target.stat.version, *version)?;
            if target.stat.num_children > 0 {
                return Err(ZkError::NotEmpty);
            }
            Ok(Txn::Delete { path: path.clone() })
        }
        Write::SetData {
            path,
            data,
            version,
        } => {
            path::validate(path, false)?;
            let target = node(tree, path)?;
            permitted(&target.acl, perms::WRITE)?;
            let version = next_version(target.stat.version, *version)?;
            if data.len() > MAX_DATA {
                return Err(ZkError::BadArguments);
            }
            Ok(Txn::SetData {
                path: path.clone(),
                data: data.clone(),
                version,
            })
        }
        Write::SetAcl {
            path,
            acl: entries,
            version,
        } => {
            path::validate(path, false)?;
            acl::validate(entries)?;
            let target = node(tree, path)?;
            permitted(&target.acl, perms::ADMIN)?;
            let version = next_version(target.stat.aversion, *version)?;
            Ok(Txn::SetAcl {
                path: path.clone(),
                acl: entries.clone(),
                version,
            })
        }
        Write::Check { path, version } => {
            path::validate(path, false)?;
            let target = node(tree, path)?;
            permitted(&target.acl, perms::READ)?;
            next_version(target.stat.version, *version)?;
            Ok(Txn::Check)
        }
    }
}

/// Applies a transaction with its zxid and time.
pub fn apply(tree: &mut impl NodesMut, txn: &Txn, zxid: u64, time: u64) {
    match txn {
        Txn::Create {
            path,
            node,
            parent_creates,
        } => tree.create(path, node.clone(), *parent_creates, zxid, time),
        Txn::Delete { path } => tree.delete(path, zxid),
        Txn::SetData {
            path,
            data,
            version,
        } => tree.set_data(path, data.clone(), *version, zxid, time),
        Txn::SetAcl { path, acl, version } => tree.set_acl(path, acl.clone(), *version),
        Txn::Check => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::zk::acl::everyone;
    use crate::protocols::zk::tree::Tree;

    fn create(path: &str, sequential: bool) -> Write {
        Write::Create {
            path: path.into(),
            data: Vec::new(),
            ephemeral: false,
            sequential,
            acl: everyone(),
        }
    }

    #[test]
    fn sequential_names_count_the_children_ever_created() {
        let mut tree = Tree::default();
        let txn = prepare(&tree, "s", &create("/a", false)).unwrap();
        apply(&mut tree, &txn, 1, 1);
        let txn = prepare(&tree, "s", &create("/a/job-", true)).unwrap();
        assert!(matches!(&txn, Txn::Create { path, .. } if path == "/a/job-0000000000"));
        apply(&mut tree, &txn, 2, 2);
        apply(
            &mut tree,
            &Txn::Delete {
                path: "/a/job-0000000000".into(),
            },
            3,
            3,
        );
        // A delete does not move the numbering: one child was created, so the next is 1.
        let txn = prepare(&tree, "s", &create("/a/", true)).unwrap();
        assert!(matches!(&txn, Txn::Create { path, .. } if path == "/a/0000000001"));
        // But it shows in the reported cversion: creates plus deletes.
        assert_eq!(tree.get("/a").map(|n| n.stat.cversion), Some(2));
    }

    #[test]
    fn errors_win_in_zookeepers_order() {
        let tree = Tree::default();
        assert_eq!(
            prepare(&tree, "s", &create("/x/y", false)),
            Err(ZkError::NoNode)
        );
        assert_eq!(
            prepare(&tree, "s", &create("/zookeeper", false)),
            Err(ZkError::NodeExists)
        );
        assert_eq!(
            prepare(
                &tree,
                "s",
                &Write::Delete {
                    path: "/".into(),
                    version: -1
                }
            ),
            Err(ZkError::BadArguments)
        );
        assert_eq!(
            prepare(
                &tree,
                "s",
                &Write::SetData {
                    path: "/nope".into(),
                    data: vec![],
                    version: 3
                }
            ),
            Err(ZkError::NoNode)
        );
        assert_eq!(
            prepare(
                &tree,
                "s",
                &Write::SetData {
                    path: "/zookeeper/config".into(),
                    data: vec![],
                    version: -1
                }
            ),
            Err(ZkError::NoAuth)
        );
    }
}
