//! `.npz` export of measurement series and training configurations (ndarray-npy), written
//! atomically (temporary file in the target directory, then rename) and never over an
//! existing file unless asked.

use std::fs::File;
use std::path::Path;

use ndarray::{arr0, Array, Array2, ArrayD, IxDyn};
use ndarray_npy::NpzWriter;

use super::run::{McDataSet, McReport};
use crate::error::{Error, Result};

/// Selects one series of a chain.
type Pick = fn(&super::run::ChainSeries) -> &Vec<f64>;

fn io_error(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::io("write", path, detail)
}

/// Writes an npz file at `path` atomically; refuses an existing `path` unless `overwrite`.
fn write_atomically(
    path: &Path,
    overwrite: bool,
    fill: impl FnOnce(&mut NpzWriter<&mut File>) -> std::result::Result<(), ndarray_npy::WriteNpzError>,
) -> Result<()> {
    if !overwrite && path.exists() {
        return Err(io_error(
            path,
            "file exists (pass overwrite = true to replace it)",
        ));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io_error(path, e))?;
    {
        let mut npz = NpzWriter::new(tmp.as_file_mut());
        fill(&mut npz).map_err(|e| io_error(path, e))?;
        npz.finish().map_err(|e| io_error(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| io_error(path, e))?;
    let persisted = if overwrite {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    persisted.map(|_| ()).map_err(|e| io_error(path, e.error))
}

fn stack(series: &[Vec<f64>]) -> std::result::Result<Array2<f64>, ndarray_npy::WriteNpzError> {
    let rows = series.len();
    let cols = series.first().map_or(0, Vec::len);
    let flat: Vec<f64> = series.iter().flat_map(|s| s.iter().copied()).collect();
    Array2::from_shape_vec((rows, cols), flat).map_err(|e| {
        ndarray_npy::WriteNpzError::Npy(ndarray_npy::WriteNpyError::Io(std::io::Error::other(e)))
    })
}

/// Writes the measurement series of a run: arrays `energy`, `m`, `m1`, `m2`, `m4`, `sites`,
/// `clusters` of shape [chains, measurements] (one column per sweep-equivalent), scalars `n`,
/// `d`, `l`, `k`, `beta`, `seed`, and, if measured, `spectrum` (half layout) and `two_point`.
pub fn write_series(report: &McReport, path: &Path, overwrite: bool) -> Result<()> {
    let cfg = &report.config;
    write_atomically(path, overwrite, |npz| {
        let pick: [(&str, Pick); 7] = [
            ("energy", |s| &s.energy),
            ("m", |s| &s.m),
            ("m1", |s| &s.m1),
            ("m2", |s| &s.m2),
            ("m4", |s| &s.m4),
            ("sites", |s| &s.sites),
            ("clusters", |s| &s.clusters),
        ];
        for (name, f) in pick {
            let rows: Vec<Vec<f64>> = report.series.iter().map(|s| f(s).clone()).collect();
            npz.add_array(name, &stack(&rows)?)?;
        }
        for (name, x) in [
            ("n", cfg.n as f64),
            ("d", cfg.d as f64),
            ("l", cfg.l as f64),
            ("k", report.k),
            ("beta", report.beta),
        ] {
            npz.add_array(name, &arr0(x))?;
        }
        npz.add_array("seed", &arr0(cfg.seed))?;
        if let Some(sp) = &report.spectrum {
            let a = ArrayD::from_shape_vec(IxDyn(&sp.shape), sp.values.clone()).map_err(|e| {
                ndarray_npy::WriteNpzError::Npy(ndarray_npy::WriteNpyError::Io(
                    std::io::Error::other(e),
                ))
            })?;
            npz.add_array("spectrum", &a)?;
            npz.add_array("two_point", &Array::from(sp.two_point.clone()))?;
        }
        Ok(())
    })
}

/// Writes a training data set: `phi` of shape [M, n, L, …, L] holding the large-n fields
/// φ = √n s (R7.1) of the M configurations, and scalars `n`, `d`, `l`, `k`, `beta`,
/// `tau_int_m2`, `spacing`, `seed`.
pub fn write_dataset(data: &McDataSet, path: &Path, overwrite: bool) -> Result<()> {
    let cfg = &data.config;
    let mut shape = vec![data.configurations.len(), cfg.n];
    shape.extend(std::iter::repeat_n(cfg.l, cfg.d));
    let mut flat = Vec::with_capacity(shape.iter().product());
    for fields in data.fields()? {
        for f in fields {
            flat.extend(f.iter().copied());
        }
    }
    let phi =
        ArrayD::from_shape_vec(IxDyn(&shape), flat).map_err(|e| Error::Mismatch(e.to_string()))?;
    write_atomically(path, overwrite, |npz| {
        npz.add_array("phi", &phi)?;
        for (name, x) in [
            ("n", cfg.n as f64),
            ("d", cfg.d as f64),
            ("l", cfg.l as f64),
            ("k", data.k),
            ("beta", data.beta),
            ("tau_int_m2", data.tau_int_m2),
            ("spacing", data.spacing as f64),
        ] {
            npz.add_array(name, &arr0(x))?;
        }
        npz.add_array("seed", &arr0(cfg.seed))?;
        Ok(())
    })
}
