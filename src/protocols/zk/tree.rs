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
}

impl Znode {
    /// Counts a child more (`+1`) or fewer (`-1`), with the reported cversion.
    fn recount(&mut self, change: i32) {
        self.stat.num_children = self.stat.num_children.saturating_add_signed(change);
        self.stat.cversion = 2 * self.creates - self.stat.num_children as i32;
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
///
/// A node's children's names are kept apart from the node, by parent path, so that a node is
/// cheap to copy whatever its number of children (a queue's parent may have many thousands).
/// Invariant: a node's `stat.num_children` is the size of its set of names.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    nodes: BTreeMap<String, Znode>,
    children: BTreeMap<String, BTreeSet<String>>,
}

impl Default for Tree {
    fn default() -> Self {
        let mut tree = Tree {
            nodes: BTreeMap::new(),
            children: BTreeMap::new(),
        };
        let mut add = |path: &str, children: &[&str], acl: Vec<Acl>, aversion: i32| {
            let node = Znode {
                creates: 0,
                data: Vec::new(),
                acl,
                stat: Stat {
                    num_children: children.len() as u32,
                    cversion: -(children.len() as i32),
                    aversion,
                    ..Stat::default()
                },
            };
            tree.nodes.insert(path.to_string(), node);
            let names = children.iter().map(|c| c.to_string()).collect();
            tree.children.insert(path.to_string(), names);
        };
        // `/zookeeper/config`'s aversion of -1 is ZooKeeper's, read off a real server.
        add("/", &["zookeeper"], everyone(), 0);
        add("/zookeeper", &["config", "quota"], everyone(), 0);
        add("/zookeeper/config", &[], read_only(), -1);
        add("/zookeeper/quota", &[], everyone(), 0);
        tree
    }
}

impl Tree {
    /// The node at `path`.
    pub fn get(&self, path: &str) -> Option<&Znode> {
        self.nodes.get(path)
    }

    /// The names of `path`'s children, in order.
    pub fn children(&self, path: &str) -> impl Iterator<Item = &str> {
        self.children
            .get(path)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Paths of the ephemeral nodes `session` owns, in path order.
    pub fn ephemerals_of(&self, session: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.stat.ephemeral_owner.as_deref() == Some(session))
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// Znodes by path, as writes are checked against them: the tree, or a [`Scratch`] over it.
pub trait Nodes {
    /// The node at `path`.
    fn node(&self, path: &str) -> Option<&Znode>;
}

/// Znodes by path, as writes change them. The changes themselves are written once, here, over
/// a few primitives.
pub trait NodesMut: Nodes {
    /// The node at `path`, to change in place.
    fn node_mut(&mut self, path: &str) -> Option<&mut Znode>;
    /// Puts a node at `path`.
    fn insert(&mut self, path: &str, node: Znode);
    /// Removes the node at `path`.
    fn remove(&mut self, path: &str);
    /// Lists `name` among `parent`'s children.
    fn adopt(&mut self, parent: &str, name: &str);
    /// Takes `name` off `parent`'s children.
    fn disown(&mut self, parent: &str, name: &str);

    /// Creates a node (the caller checked everything); `parent_creates` is the parent's new
    /// count of children created.
    fn create(&mut self, path: &str, node: NewNode, parent_creates: i32, zxid: u64, time: u64) {
        let NewNode { data, acl, owner } = node;
        let (parent, name) = path::split(path);
        let new = self.node(path).is_none();
        if let Some(p) = self.node_mut(parent) {
            p.creates = parent_creates;
            p.recount(i32::from(new));
            p.stat.pzxid = zxid;
            self.adopt(parent, name);
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
        self.insert(
            path,
            Znode {
                creates: 0,
                data,
                acl,
                stat,
            },
        );
    }

    /// Deletes a node (the caller checked it exists and has no children).
    fn delete(&mut self, path: &str, zxid: u64) {
        let existed = self.node(path).is_some();
        self.remove(path);
        let (parent, name) = path::split(path);
        if let Some(p) = self.node_mut(parent) {
            p.recount(-i32::from(existed));
            p.stat.pzxid = zxid;
            self.disown(parent, name);
        }
    }

    /// Replaces a node's data.
    fn set_data(&mut self, path: &str, data: Vec<u8>, version: i32, zxid: u64, time: u64) {
        if let Some(n) = self.node_mut(path) {
            n.stat.data_length = data.len() as u32;
            n.data = data;
            n.stat.version = version;
            n.stat.mzxid = zxid;
            n.stat.mtime = time;
        }
    }

    /// Replaces a node's ACL.
    fn set_acl(&mut self, path: &str, acl: Vec<Acl>, aversion: i32) {
        if let Some(n) = self.node_mut(path) {
            n.acl = acl;
            n.stat.aversion = aversion;
        }
    }
}

impl Nodes for Tree {
    fn node(&self, path: &str) -> Option<&Znode> {
        self.get(path)
    }
}

impl NodesMut for Tree {
    fn node_mut(&mut self, path: &str) -> Option<&mut Znode> {
        self.nodes.get_mut(path)
    }

    fn insert(&mut self, path: &str, node: Znode) {
        self.nodes.insert(path.to_string(), node);
    }

    fn remove(&mut self, path: &str) {
        self.nodes.remove(path);
        self.children.remove(path);
    }

    fn adopt(&mut self, parent: &str, name: &str) {
        let names = self.children.entry(parent.to_string()).or_default();
        names.insert(name.to_string());
    }

    fn disown(&mut self, parent: &str, name: &str) {
        if let Some(names) = self.children.get_mut(parent) {
            names.remove(name);
        }
    }
}

/// The tree as a multi's first writes would leave it, for checking the next ones, without
/// copying it: the nodes they touched (or `None` where they deleted one) over the tree itself.
/// Checks read a node's child count, never its children's names, so those are not kept.
pub struct Scratch<'t> {
    base: &'t Tree,
    touched: BTreeMap<String, Option<Znode>>,
}

impl<'t> Scratch<'t> {
    /// Nothing changed yet.
    pub fn over(base: &'t Tree) -> Self {
        Self {
            base,
            touched: BTreeMap::new(),
        }
    }
}

impl Nodes for Scratch<'_> {
    fn node(&self, path: &str) -> Option<&Znode> {
        match self.touched.get(path) {
            Some(node) => node.as_ref(),
            None => self.base.get(path),
        }
    }
}

impl NodesMut for Scratch<'_> {
    fn node_mut(&mut self, path: &str) -> Option<&mut Znode> {
        if !self.touched.contains_key(path) {
            let copy = self.base.get(path)?.clone();
            self.touched.insert(path.to_string(), Some(copy));
        }
        self.touched.get_mut(path)?.as_mut()
    }

    fn insert(&mut self, path: &str, node: Znode) {
        self.touched.insert(path.to_string(), Some(node));
    }

    fn remove(&mut self, path: &str) {
        self.touched.insert(path.to_string(), None);
    }

    fn adopt(&mut self, _parent: &str, _name: &str) {}

    fn disown(&mut self, _parent: &str, _name: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty(owner: Option<&str>) -> NewNode {
        NewNode {
            data: Vec::new(),
            acl: everyone(),
            owner: owner.map(str::to_string),
        }
    }

    /// A scratch layer sees its own changes, stat for stat as the tree would make them, and
    /// leaves the tree alone.
    #[test]
    fn a_scratch_changes_as_the_tree_would_without_touching_it() {
        let mut base = Tree::default();
        base.create("/q", empty(None), 1, 1, 1);
        for i in 0..3 {
            base.create(&format!("/q/job-{i}"), empty(None), i + 1, 2 + i as u64, 2);
        }
        let before = base.clone();
        let mut scratch = Scratch::over(&base);
        let mut expected = base.clone();
        for layer in [&mut scratch as &mut dyn NodesMut, &mut expected] {
            layer.create("/q/job-3", empty(Some("s")), 4, 10, 10);
            layer.delete("/q/job-0", 11);
            layer.set_data("/q/job-1", b"new".to_vec(), 1, 12, 12);
            layer.set_acl("/q/job-2", read_only(), 1);
        }
        for path in ["/q", "/q/job-0", "/q/job-1", "/q/job-2", "/q/job-3", "/"] {
            assert_eq!(scratch.node(path), expected.node(path), "{path}");
        }
        let q = scratch.node("/q").unwrap();
        assert_eq!(
            (
                q.stat.num_children,
                q.stat.cversion,
                q.stat.pzxid,
                q.creates
            ),
            (3, 5, 11, 4)
        );
        assert_eq!(base, before);
        let names: Vec<&str> = expected.children("/q").collect();
        assert_eq!(names, ["job-1", "job-2", "job-3"]);
    }

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
