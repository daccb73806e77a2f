//! The progress file survives a runner killed in the middle of writing it.
//!
//! The parent test starts this same test binary again as a child that records progress in a
//! tight loop, lets it write a different number of times in each round, kills it with SIGKILL,
//! and then reads the file back. Twenty rounds, and the file must parse every time.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use xtask::progress::Store;

const CHILD_DIR: &str = "XTASK_PROGRESS_CHILD_DIR";

#[test]
fn a_killed_writer_never_leaves_an_unreadable_progress_file() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..20 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "writer_child", "--nocapture"])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The child prints a line after every write; kill it after a different count each round,
        // so the kill lands at many points of the write cycle.
        let writes_before_kill = 1 + (round * 37) % 200;
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.take(writes_before_kill) {
            line.unwrap();
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let progress = Store::new(dir.path()).load().unwrap();
        assert!(
            !dir.path().join(".progress.json.corrupt").exists(),
            "round {round}: the progress file was unreadable after a kill"
        );
        assert!(
            progress.passed.len() <= 2,
            "round {round}: unexpected content {progress:?}"
        );
    }
}

/// Not a test of its own: the writer that the test above starts and kills.
#[test]
fn writer_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let store = Store::new(std::path::Path::new(&dir));
    for i in 0u64.. {
        store.record("pipeline", i % 2 == 0).unwrap();
        store.record("circuit-breaker", i % 3 == 0).unwrap();
        println!("wrote {i}");
    }
}
