//! Records the build's provenance for reports (`src/provenance.rs`): the git commit and whether
//! tracked files differed from it, and the compiler's version. Outside a git checkout (a
//! crate downloaded from a registry) the commit reads `unknown`.
//!
//! With the default backend feature `openblas-system` it also looks for the system OpenBLAS
//! before anything is compiled, so that a machine without it gets told what to install and
//! which feature to choose instead, not a bare `unable to find library -lopenblas` from the
//! linker at the end of the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn output(program: &str, args: &[&str]) -> Option<String> {
    // GIT_OPTIONAL_LOCKS=0: `git status` must not refresh `.git/index`, which this script
    // watches; a refresh made the next cargo command rerun the script and rebuild the crate
    let out = Command::new(program)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Directories the linker searches by default on Linux, plus `LIBRARY_PATH`.
fn linker_directories() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("LIBRARY_PATH")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    let triple = format!(
        "{}-linux-gnu",
        std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default()
    );
    for base in ["/usr/lib", "/lib", "/usr/local/lib", "/usr/lib64", "/lib64"] {
        dirs.push(Path::new(base).join(&triple));
        dirs.push(PathBuf::from(base));
    }
    dirs
}

/// Whether a linkable OpenBLAS is there: pkg-config knows it, or `libopenblas.so` / `.a` is in
/// a directory the linker searches.
fn system_openblas_found() -> bool {
    let pkg_config = pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(false)
        .probe("openblas")
        .is_ok();
    pkg_config
        || linker_directories().iter().any(|d| {
            ["libopenblas.so", "libopenblas.a"]
                .iter()
                .any(|f| d.join(f).exists())
        })
}

/// Stops the build with what to do when the `openblas-system` backend is chosen on a Linux
/// machine without the library. Other systems keep OpenBLAS's own search (Homebrew, vcpkg).
fn check_system_openblas() {
    println!("cargo:rerun-if-env-changed={SKIP_CHECK}");
    println!("cargo:rerun-if-env-changed=LIBRARY_PATH");
    let wanted = std::env::var_os("CARGO_FEATURE_OPENBLAS_SYSTEM").is_some();
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if !wanted || !linux || std::env::var_os(SKIP_CHECK).is_some() || system_openblas_found() {
        return;
    }
    eprintln!(
        "\ncritical-slowing: the default linear-algebra backend (feature `openblas-system`) links \
         the system OpenBLAS, and none was found (pkg-config `openblas`, LIBRARY_PATH, /usr/lib, \
         /usr/local/lib and their <arch>-linux-gnu directories).\n\
         Either install it:\n\
         \x20   Debian/Ubuntu: apt-get update && apt-get install libopenblas-dev   (sudo if not root)\n\
         \x20   Fedora: dnf install openblas-devel      Arch: pacman -S openblas\n\
         or choose another backend, e.g. one built from source (needs gcc, gfortran and make):\n\
         \x20   cargo test --release --no-default-features --features openblas-static\n\
         (also netlib-static, netlib-system, intel-mkl-static, intel-mkl-system).\n\
         If the library is where your linker finds it but this check does not, set {SKIP_CHECK}=1.\n"
    );
    std::process::exit(1);
}

/// The environment variable that turns the OpenBLAS check off.
const SKIP_CHECK: &str = "CRITICAL_SLOWING_SKIP_BLAS_CHECK";

fn main() {
    check_system_openblas();
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
