//! A `reproduce` run stopped by SIGTERM or SIGINT leaves no temporary `.reproduce-*`
//! directory beside `--out`, neither during the run nor while the report is being written, and
//! exits with 128 + the signal number. (A foreign `--out` left untouched is tested in
//! `tests/reproduce.rs`.)

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// the smallest configuration: the run only has to reach the writer
use crate::common;
use common::SMALLEST;

fn spawn(out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_critical-slowing"))
        .args(["reproduce", "--config", SMALLEST, "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Temporary directories of the writer beside the output.
fn temporaries(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".reproduce-"))
        .collect()
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, sig) };
    assert_eq!(rc, 0);
}

fn wait(mut child: Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "run did not end"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_run_interrupted_before_writing_leaves_nothing() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("report");
    let child = spawn(&out);
    // the claims take seconds; the signal arrives during them
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGINT);
    let status = wait(child);
    assert_eq!(status.signal(), None, "killed by the default action");
    assert_eq!(status.code(), Some(130));
    assert!(temporaries(parent.path()).is_empty());
    assert!(!out.exists());
}

#[test]
fn a_run_terminated_while_writing_leaves_no_temporary_directory() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("report");
    let child = spawn(&out);
    let start = Instant::now();
    // wait until the writer has created its temporary directory (it holds the manifest)
    let writing = loop {
        let found = temporaries(parent.path()).iter().any(|n| {
            !n.starts_with(".reproduce-check-")
                && parent
                    .path()
                    .join(n)
                    .join(".critical-slowing-report")
                    .exists()
        });
        if found {
            break true;
        }
        if start.elapsed() > Duration::from_secs(300) || out.exists() {
            break false;
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    assert!(writing, "the writer's temporary directory was never seen");
    signal(&child, libc::SIGTERM);
    let status = wait(child);
    assert_eq!(status.signal(), None);
    // 143 when the signal came first; 0 only if the swap was already under way (it is
    // completed, never interrupted)
    assert!(matches!(status.code(), Some(143) | Some(0)), "{status:?}");
    assert!(
        temporaries(parent.path()).is_empty(),
        "{:?}",
        temporaries(parent.path())
    );
    // either no report or a complete one: the swap is never interrupted
    if out.exists() {
        assert!(
            out.join("report.md").exists(),
            "a half-written report was moved into place"
        );
    }
}
