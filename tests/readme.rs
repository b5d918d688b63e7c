//! Every command of the README's tour runs as written: a newcomer's first copy-and-paste must
//! not fail. Files the commands write under `out/` go to a temporary folder instead.

mod common;

use common::{faultline, root};

/// The tour's commands: the `faultline ...` lines of its code block, continuations joined.
fn tour() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme.find("## A short tour").expect("a tour");
    let block = &readme[start..];
    let open = block.find("```sh\n").expect("a code block") + "```sh\n".len();
    let close = block[open..].find("```").expect("the block's end") + open;
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in block[open..close].lines() {
        let line = line.split(" # ").next().unwrap_or(line).trim_end();
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        current.push_str(line.trim_end_matches('\\').trim());
        current.push(' ');
        if !line.ends_with('\\') {
            commands.push(current.trim().to_string());
            current.clear();
        }
    }
    commands
}

/// Splits a command line as a shell would for these commands: words, and single-quoted words.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn every_tour_command_runs() {
    let commands = tour();
    assert!(
        commands.len() >= 13,
        "the tour has {} commands",
        commands.len()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    for command in &commands {
        let mut args = words(command);
        assert_eq!(args.remove(0), "faultline", "{command}");
        for arg in &mut args {
            if let Some(rest) = arg.strip_prefix("out/") {
                *arg = dir.path().join(rest).display().to_string();
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = faultline(&args);
        // Exit 1 is a finding (the broken acceptor's violations), not a failure to run.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "`{command}` exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        // Every command says something, except one that writes its result to a file (`-o`).
        if !command.contains(" -o ") {
            assert!(!out.stdout.is_empty(), "`{command}` printed nothing");
        }
    }
}
