//! Records the build's provenance for reports (`src/provenance.rs`): the git commit and whether
//! tracked files differed from it, and the compiler's version. Outside a git checkout (a
//! crate downloaded from a registry) the commit reads `unknown`.

use std::path::Path;
use std::process::Command;

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = output("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"])
        .map_or("unknown", |s| if s.is_empty() { "clean" } else { "dirty" });
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = output(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CRITICAL_SLOWING_COMMIT={commit}");
    println!("cargo:rustc-env=CRITICAL_SLOWING_TREE={dirty}");
    println!("cargo:rustc-env=CRITICAL_SLOWING_RUSTC={version}");
    // rerun when the commit or the tracked files change; never on a path that does not exist
    // (Cargo would rerun the script on every build)
    for path in [".git/HEAD", ".git/index", "src", "Cargo.toml"] {
        if Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
