//! The report on disk: every table as CSV and JSON, the figures as SVG and PNG, and
//! `report.md`. Everything is written into a temporary sibling directory that replaces the
//! output directory only when complete, so a failed run never leaves a half-written report,
//! and a directory that is not an earlier report is never replaced unless forced.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use crate::claims::Reproduction;
use crate::error::{Error, Result};
use crate::report::markdown::markdown;
use crate::report::{plots, text};

/// The file that marks a directory as a report of this tool; it lists, after its first line,
/// the files the tool wrote there (relative paths, one per line).
pub const MANIFEST: &str = ".critical-slowing-report";

/// The manifest's first line.
const MANIFEST_HEADER: &str = "critical-slowing report\n";

/// Every file under `dir`, as paths relative to it, sorted; the manifest itself left out.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, at: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(at) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_path_buf());
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.retain(|p| p.as_os_str() != MANIFEST);
    files.sort();
    files
}

/// Moves into the new report `new` every file of the earlier report `old` that the tool did
/// not write (not listed in `old`'s manifest); one whose name the new report uses is kept as
/// `NAME.yours`. A manifest without a list (an older version) counts the files the new report
/// writes again as the tool's.
fn keep_foreign_files(old: &Path, new: &Path) -> std::io::Result<()> {
    let listed = std::fs::read_to_string(old.join(MANIFEST)).unwrap_or_default();
    let listed: std::collections::BTreeSet<PathBuf> =
        listed.lines().skip(1).map(PathBuf::from).collect();
    for relative in files_under(old) {
        let mut target = new.join(&relative);
        if listed.contains(&relative) {
            continue;
        }
        if target.exists() {
            if listed.is_empty() {
                continue; // an older manifest: a file the tool writes again is the tool's
            }
            // the user's own file under a name the tool now uses: kept beside it
            let mut name = target.file_name().unwrap_or_default().to_os_string();
            name.push(".yours");
            target.set_file_name(name);
        }
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::rename(old.join(&relative), &target)?;
    }
    Ok(())
}

/// Temporary directories of the report being written; locked while the finished report is
/// swapped into place, so that [`abandon_temporaries`] never interrupts the swap.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Set once [`abandon_temporaries`] has started: the process is about to exit on a signal.
static ABANDONING: AtomicBool = AtomicBool::new(false);

fn temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPORARIES.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes the temporary directories of a report being written, for a process about to exit
/// on SIGINT or SIGTERM. Waits for a swap in progress to finish, then keeps the registry locked
/// so that no further swap starts. Each directory is first renamed (so the writer's further
/// writes fail instead of recreating files in it) and then removed; a directory that cannot be
/// removed keeps a `.reproduce-` name and the manifest, so the next run removes it.
pub fn abandon_temporaries() {
    ABANDONING.store(true, Ordering::SeqCst);
    let guard = temporaries();
    for path in guard.iter() {
        let dying = path.with_file_name(format!(".reproduce-dying-{}", std::process::id()));
        let target = if std::fs::rename(path, &dying).is_ok() {
            dying
        } else {
            path.clone()
        };
        for _ in 0..5 {
            if std::fs::remove_dir_all(&target).is_ok() || !target.exists() {
                break;
            }
        }
    }
    std::mem::forget(guard);
}

/// Whether [`abandon_temporaries`] has started (the process is exiting on a signal).
pub fn abandoning() -> bool {
    ABANDONING.load(Ordering::SeqCst)
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks before a run that `out` can receive a report: absent, empty, or an earlier report
/// (it holds [`MANIFEST`]) unless `force`; not `.`, `..` or a file; and its parent accepts a
/// temporary directory. Stale temporary directories of killed runs beside it are removed.
pub fn check_output(out: &Path, force: bool) -> Result<()> {
    let refuse = |why: &str| Error::io("write the report to", out, why);
    if out.exists() && !out.is_dir() {
        return Err(refuse("it exists and is not a directory"));
    }
    if out.file_name().is_none() {
        return Err(refuse("name a directory of its own (not . or ..)"));
    }
    if out.is_dir() && !force && !out.join(MANIFEST).exists() {
        let mut entries = std::fs::read_dir(out).map_err(|e| Error::io("read", out, e))?;
        if entries.next().is_some() {
            return Err(refuse(
                "it holds files that are not an earlier report; choose another --out or pass --force to replace it",
            ));
        }
    }
    let parent = parent_of(out);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io("create", &parent, e))?;
    remove_stale(&parent);
    tempfile::Builder::new()
        .prefix(".reproduce-check-")
        .tempdir_in(&parent)
        .map(drop)
        .map_err(|e| Error::io("create a directory in", &parent, e))
}

/// Removes `.reproduce-*` directories left by killed runs (those holding a manifest only).
fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let path = e.path();
        if name.to_string_lossy().starts_with(".reproduce-") && path.join(MANIFEST).exists() {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

pub(crate) fn write_csv<T: Serialize>(dir: &Path, name: &str, rows: &[T]) -> Result<()> {
    let path = dir.join(format!("{name}.csv"));
    let err = |e: &dyn std::fmt::Display| Error::io("write", &path, e);
    let mut w = csv::Writer::from_path(&path).map_err(|e| err(&e))?;
    for r in rows {
        w.serialize(r).map_err(|e| err(&e))?;
    }
    w.flush().map_err(|e| err(&e))
}

pub(crate) fn write_json<T: Serialize + ?Sized>(dir: &Path, name: &str, value: &T) -> Result<()> {
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::io("encode", &path, e))?;
    std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))
}

fn write_table<T: Serialize>(dir: &Path, name: &str, rows: &[T]) -> Result<()> {
    write_csv(dir, name, rows)?;
    write_json(dir, name, rows)
}

/// A claim as a flat CSV row.
#[derive(Serialize)]
struct ClaimRow<'a> {
    id: &'a str,
    statement: &'a str,
    derivation: String,
    tests: String,
    analytic: Option<f64>,
    analytic_quantity: &'static str,
    analytic_source: &'static str,
    numeric: Option<f64>,
    numeric_quantity: &'static str,
    numeric_source: &'static str,
    check: String,
    verdict: String,
    justification: &'a str,
}

fn tables(rep: &Reproduction, dir: &Path) -> Result<()> {
    let s = &rep.studies;
    let claims: Vec<ClaimRow> = rep
        .claims
        .iter()
        .map(|c| ClaimRow {
            id: c.spec.id,
            statement: c.spec.statement,
            derivation: c.spec.results.join(" "),
            tests: c.spec.tests.join(" "),
            analytic: c.analytic,
            analytic_quantity: c.spec.analytic_side.map_or("", |v| v.quantity.name()),
            analytic_source: c.spec.analytic_side.map_or("", |v| v.source.name()),
            numeric: c.numeric,
            numeric_quantity: c.spec.numeric_side.map_or("", |v| v.quantity.name()),
            numeric_source: c.spec.numeric_side.map_or("", |v| v.source.name()),
            check: text::check_text(c),
            verdict: c.verdict.to_string(),
            justification: c.spec.justification,
        })
        .collect();
    write_csv(dir, "claims", &claims)?;
    // the claims with the provenance of the run that judged them
    #[derive(Serialize)]
    struct ClaimsFile<'a> {
        provenance: &'a crate::provenance::Provenance,
        claims: &'a [crate::claims::ClaimResult],
    }
    write_json(
        dir,
        "claims",
        &ClaimsFile {
            provenance: &rep.provenance,
            claims: &rep.claims,
        },
    )?;
    write_table(dir, "spectrum", s.spectrum()?)?;
    write_csv(dir, "training_time", &s.training()?.rows)?;
    write_json(dir, "training_time", s.training()?)?;
    write_table(dir, "numeric_training", s.numeric_training()?)?;
    write_table(dir, "local", s.local()?)?;
    write_table(dir, "local_training", s.local_training()?)?;
    write_table(dir, "generation_one_layer", s.generation_one_layer()?)?;
    write_table(dir, "generation_two_layer", s.generation_two_layer()?)?;
    write_table(dir, "horizon", s.horizon()?)?;
    write_table(dir, "horizon_sampled", s.horizon_sampled()?)?;
    write_table(dir, "girsanov_sampled", s.girsanov_sampled()?)?;
    write_json(dir, "continuous_sampled", s.continuous_sampled()?)?;
    write_json(dir, "sampled_generation", s.sampled_generation()?)?;
    let scaling = s.sampled_generation_scaling()?;
    write_csv(dir, "sampled_generation_scaling", &scaling.rows)?;
    write_json(dir, "sampled_generation_scaling", scaling)?;
    write_table(dir, "optimizer_training_time", &s.optimizers()?.rows)?;
    write_table(dir, "optimizer_fits", &s.optimizers()?.fits)?;
    write_table(dir, "optimizer_fields", &s.optimizers()?.fields)?;
    write_json(dir, "optimizers", s.optimizers()?)?;
    write_table(dir, "network", &s.networks()?.scaling.rows)?;
    write_json(dir, "network", s.networks()?)?;
    let ising = s.network_ising()?;
    write_csv(dir, "network_ising", &ising.checkpoints)?;
    write_csv(dir, "network_ising_histogram", &ising.histogram)?;
    write_csv(dir, "network_ising_two_point", &ising.two_point)?;
    write_csv(dir, "network_ising_structure", &ising.structure)?;
    write_csv(dir, "network_ising_handover", &ising.handover)?;
    write_json(dir, "network_ising", ising)?;
    monte_carlo_tables(s.monte_carlo()?, dir)
}

/// The Monte Carlo records (derivations/07–08): per-side 2D Ising rows, τ_int rows, trainers on
/// Monte Carlo fields and the large-n rows as CSV and JSON; everything in `monte_carlo.json`.
fn monte_carlo_tables(m: &crate::study::finite_n::MonteCarloStudies, dir: &Path) -> Result<()> {
    write_table(dir, "mc_ising_2d", &m.ising)?;
    write_table(dir, "mc_dynamics", &m.dynamics)?;
    write_table(dir, "mc_trainer", &m.trainer)?;
    write_table(dir, "mc_large_n", &m.large_n)?;
    write_json(dir, "monte_carlo", m)
}

fn figures(rep: &Reproduction, dir: &Path) -> Result<Vec<(&'static str, &'static str)>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut made = Vec::new();
    for (file, caption, figure) in plots::all(&rep.studies)? {
        figure
            .write_svg_and_png(&dir.join(file))
            .map_err(|e| match e {
                Error::Plot { message, .. } => Error::Plot {
                    name: file.to_string(),
                    message,
                },
                other => other,
            })?;
        made.push((file, caption));
    }
    Ok(made)
}

/// Writes the report into `out` (see [`check_output`]) and returns the path of `report.md`.
pub fn write(rep: &Reproduction, out: &Path, force: bool) -> Result<PathBuf> {
    write_directory(out, force, |dir| {
        tables(rep, dir)?;
        let figs = figures(rep, &dir.join("figures"))?;
        let md = dir.join("report.md");
        std::fs::write(&md, markdown(rep, &figs)?).map_err(|e| Error::io("write", &md, e))
    })?;
    Ok(out.join("report.md"))
}

/// Fills a temporary directory beside `out` with `fill` and the [`MANIFEST`], then swaps it
/// into place atomically (see [`check_output`] for what `out` may hold). A signal during the
/// run leaves no temporary directory ([`abandon_temporaries`]).
pub fn write_directory(
    out: &Path,
    force: bool,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    check_output(out, force)?;
    let parent = parent_of(out);
    let tmp = tempfile::Builder::new()
        .prefix(".reproduce-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a directory in", &parent, e))?;
    let dir = tmp.path();
    temporaries().push(dir.to_path_buf());
    let result = fill_and_swap(fill, dir, out, &parent);
    temporaries().retain(|p| p != dir);
    result?;
    let _ = tmp.keep();
    Ok(())
}

/// Fills the temporary `dir` and swaps it into place at `out`.
fn fill_and_swap(
    fill: impl FnOnce(&Path) -> Result<()>,
    dir: &Path,
    out: &Path,
    parent: &Path,
) -> Result<()> {
    std::fs::write(dir.join(MANIFEST), MANIFEST_HEADER)
        .map_err(|e| Error::io("write", &dir.join(MANIFEST), e))?;
    fill(dir)?;
    // the manifest lists what this tool wrote, so that a later run knows which files are not
    // its own and keeps them
    let written: String = files_under(dir)
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    std::fs::write(dir.join(MANIFEST), format!("{MANIFEST_HEADER}{written}"))
        .map_err(|e| Error::io("write", &dir.join(MANIFEST), e))?;
    // swap into place, with the registry locked so that a signal waits for the swap; the
    // temporary directory is removed on every error path by its guard
    let _swapping = temporaries();
    if out.exists() {
        let old = tempfile::Builder::new()
            .prefix(".reproduce-old-")
            .tempdir_in(parent)
            .map_err(|e| Error::io("create a directory in", parent, e))?;
        let old_path = old.path().join("report");
        std::fs::rename(out, &old_path).map_err(|e| Error::io("move", out, e))?;
        std::fs::rename(dir, out).map_err(|e| Error::io("move the new report to", out, e))?;
        if let Err(e) = keep_foreign_files(&old_path, out) {
            // never lose a file of the user's: the earlier report stays where it is
            let kept = old.keep();
            return Err(Error::io(
                "move your own files into the new report (the earlier report is kept in full)",
                &kept,
                e,
            ));
        }
        drop(old);
    } else {
        std::fs::rename(dir, out).map_err(|e| Error::io("move the new report to", out, e))?;
    }
    Ok(())
}
