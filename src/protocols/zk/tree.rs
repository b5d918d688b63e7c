//! The data tree: znodes with ZooKeeper's stat, kept exactly as ZooKeeper 3.8 keeps it.
//!
//! Which write bumps which field (ZooKeeper's `DataTree`):
//! - create: the node gets `czxid = mzxid = pzxid = zxid`, `ctime = mtime = time`, versions 0;
//!   its parent counts one more child created, gets `pzxid = zxid` and one more child (its
//!   `mzxid`, `mtime` and `version` do not change);
//! - delete: the parent gets `pzxid = zxid` and one child fewer;
//! - set data: `version + 1`, `mzxid = zxid`, `mtime = time`;
//! - set ACL: `aversion + 1` only.
//!
//! The tree starts as ZooKeeper's does: `/`, `/zookeeper`, `/zookeeper/config` and
//! `/zookeeper/quota`, with zero zxids and times and ZooKeeper's odd initial versions.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::acl::{Acl, everyone, read_only};
use super::path;

/// A znode's stat (DESIGN.md keys; `ephemeralOwner` is the owning session's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Stat {
    /// Transaction that created the node.
    pub czxid: u64,
    /// Transaction that last changed the data.
    pub mzxid: u64,
    /// Transaction that last changed the children.
    pub pzxid: u64,
    /// Creation time, ms.
    pub ctime: u64,
    /// Last data change, ms.
    pub mtime: u64,
    /// Data version.
    pub version: i32,
    /// Children version.
    pub cversion: i32,
    /// ACL version.
    pub aversion: i32,
    /// The session owning an ephemeral node.
    pub ephemeral_owner: Option<String>,
    /// Bytes of data.
    pub data_length: u32,
    /// Number of children.
    pub num_children: u32,
}

/// One znode.
#[derive(Debug, Clone, PartialEq)]
pub struct Znode {
    /// Children ever created (ZooKeeper's stored cversion), which numbers sequential children.
    pub creates: i32,
    /// Its data.
    pub data: Vec<u8>,
    /// Who may do what.
    pub acl: Vec<Acl>,
    /// Its stat.
    pub stat: Stat,
    /// Its children's names.
    pub children: BTreeSet<String>,
}

impl Znode {
    /// Updates the child count and the reported cversion after a child change.
    fn recount(&mut self) {
        self.stat.num_children = self.children.len() as u32;
        self.stat.cversion = 2 * self.creates - self.children.len() as i32;
    }
}

/// What a create brings: data, ACL, and the owning session of an ephemeral node.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNode {
    /// The data.
    pub data: Vec<u8>,
    /// The ACL.
    pub acl: Vec<Acl>,
    /// The owning session, for an ephemeral node.
    pub owner: Option<String>,
}

/// The whole namespace, by absolute path.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    nodes: BTreeMap<String, Znode>,
}

impl Default for Tree {
    fn default() -> Self {
        let node = |children: &[&str], acl: Vec<Acl>, aversion: i32| Znode {
            creates: 0,
            data: Vec::new(),
            acl,
            stat: Stat {
                num_children: children.len() as u32,
                cversion: -(children.len() as i32),
                aversion,
                ..Stat::default()
            },
            children: children.iter().map(|c| c.to_string()).collect(),
        };
        // `/zookeeper/config`'s aversion of -1 is ZooKeeper's, read off a real server.
        let mut nodes = BTreeMap::new();
        nodes.insert("/".to_string(), node(&["zookeeper"], everyone(), 0));
        nodes.insert(
            "/zookeeper".to_string(),
            node(&["config", "quota"], everyone(), 0),
        );
        nodes.insert("/zookeeper/config".to_string(), node(&[], read_only(), -1));
        nodes.insert("/zookeeper/quota".to_string(), node(&[], everyone(), 0));
        Tree { nodes }
    }
}

impl Tree {
    /// The node at `path`.
    pub fn get(&self, path: &str) -> Option<&Znode> {
        self.nodes.get(path)
    }

    /// Paths of the ephemeral nodes `session` owns, in path order.
    pub fn ephemerals_of(&self, session: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.stat.ephemeral_owner.as_deref() == Some(session))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Creates a node (the caller checked everything); `parent_creates` is the parent's new
    /// count of children created.
    pub fn create(&mut self, path: &str, node: NewNode, parent_creates: i32, zxid: u64, time: u64) {
        let NewNode { data, acl, owner } = node;
        let (parent, name) = path::split(path);
        if let Some(p) = self.nodes.get_mut(parent) {
            p.children.insert(name.to_string());
            p.creates = parent_creates;
            p.recount();
            p.stat.pzxid = zxid;
        }
        let stat = Stat {
            czxid: zxid,
            mzxid: zxid,
            pzxid: zxid,
            ctime: time,
            mtime: time,
            version: 0,
            cversion: 0,
            aversion: 0,
            ephemeral_owner: owner,
            data_length: data.len() as u32,
            num_children: 0,
        };
        self.nodes.insert(
            path.to_string(),
            Znode {
                creates: 0,
                data,
                acl,
                stat,
                children: BTreeSet::new(),
            },
        );
    }

    /// Deletes a node (the caller checked it exists and has no children).
    pub fn delete(&mut self, path: &str, zxid: u64) {
        self.nodes.remove(path);
        let (parent, name) = path::split(path);
        if let Some(p) = self.nodes.get_mut(parent) {
            p.children.remove(name);
            p.recount();
            p.stat.pzxid = zxid;
        }
    }

    /// Replaces a node's data.
    pub fn set_data(&mut self, path: &str, data: Vec<u8>, version: i32, zxid: u64, time: u64) {
        if let Some(n) = self.nodes.get_mut(path) {
            n.stat.data_length = data.len() as u32;
            n.data = data;
            n.stat.version = version;
            n.stat.mzxid = zxid;
            n.stat.mtime = time;
        }
    }

    /// Replaces a node's ACL.
    pub fn set_acl(&mut self, path: &str, acl: Vec<Acl>, aversion: i32) {
        if let Some(n) = self.nodes.get_mut(path) {
            n.acl = acl;
            n.stat.aversion = aversion;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_and_delete_move_the_parents_child_fields_only() {
        let mut t = Tree::default();
        let node = NewNode {
            data: b"x".to_vec(),
            acl: everyone(),
            owner: None,
        };
        // The root starts with 0 creates and one child (cversion -1); the create makes it
        // 1 create and 2 children: cversion 0.
        t.create("/a", node, 1, 5, 100);
        let a = t.get("/a").unwrap();
        assert_eq!((a.stat.czxid, a.stat.mzxid, a.stat.pzxid), (5, 5, 5));
        assert_eq!(a.stat.data_length, 1);
        let root = t.get("/").unwrap();
        assert_eq!(
            (root.stat.cversion, root.stat.pzxid, root.stat.num_children),
            (0, 5, 2)
        );
        assert_eq!((root.stat.mzxid, root.stat.version), (0, 0));
        t.set_data("/a", b"yy".to_vec(), 1, 6, 101);
        let a = t.get("/a").unwrap();
        assert_eq!(
            (a.stat.version, a.stat.mzxid, a.stat.mtime, a.stat.pzxid),
            (1, 6, 101, 5)
        );
        t.set_acl("/a", read_only(), 1);
        assert_eq!(
            t.get("/a").unwrap().stat.mzxid,
            6,
            "an ACL change is no data change"
        );
        t.delete("/a", 7);
        let root = t.get("/").unwrap();
        assert_eq!(
            (root.stat.cversion, root.stat.pzxid, root.stat.num_children),
            (1, 7, 1)
        );
    }
}
