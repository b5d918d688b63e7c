//! `faultline zk exec`: golden scripts whose every line was checked against ZooKeeper 3.8's
//! documented behaviour (see fixtures/zk/README.md), and malformed scripts.

mod common;

use common::{fixture, golden, input_error, ok};

#[test]
fn golden_scripts() {
    for name in ["basics", "watches"] {
        let out = ok(&["zk", "exec", &fixture(&format!("zk/{name}.jsonl"))]);
        golden(&format!("zk/{name}.expected.jsonl"), &out);
    }
}

#[test]
fn a_malformed_line_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.jsonl");
    std::fs::write(
        &path,
        "{\"op\":\"create\",\"path\":\"/a\"}\n{\"op\":\"explode\"}\n",
    )
    .expect("write");
    let stderr = input_error(&["zk", "exec", &path.display().to_string()]);
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("explode"), "{stderr}");
}
