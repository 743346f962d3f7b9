//! `.npz` export of measurement series and training configurations (ndarray-npy), written
//! atomically (temporary file in the target directory, then rename) and never over an
//! existing file unless asked.

use std::path::Path;

use ndarray::{arr0, Array, Array2, ArrayD, IxDyn};

use super::run::{McDataSet, McReport};
use crate::data::file::write_npz as write_atomically;
use crate::error::{Error, Result};

/// Selects one series of a chain.
type Pick = fn(&super::run::ChainSeries) -> &Vec<f64>;

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

/// How a training data set is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DatasetFormat {
    /// Store `phi` and `s` as float32 (half the size; the fields are rounded to 24 bits).
    pub float32: bool,
}

/// The bytes [`write_dataset`] writes for `count` configurations of n components on V sites:
/// `phi` and `s`, plus at most 4 kB of metadata and archive headers.
pub fn dataset_bytes(count: usize, n: usize, volume: usize, format: DatasetFormat) -> f64 {
    let width = if format.float32 { 4.0 } else { 8.0 };
    2.0 * width * count as f64 * n as f64 * volume as f64 + 4096.0
}

/// A text as a uint8 array of its UTF-8 bytes (numpy: `bytes(f["algorithm"]).decode()`).
fn text_array(text: &str) -> Array<u8, ndarray::Ix1> {
    Array::from(text.as_bytes().to_vec())
}

/// Writes a training data set: `phi` of shape [M, n, L, …, L] holding the large-n
/// fields φ = √n s (R7.1) of the M configurations and `s` the unit spins (same shape), float64
/// unless `format.float32`; scalars `n`, `d`, `l`, `k`, `beta`, `tau_int_m2` (sweeps),
/// `spacing` (sweeps between configurations), `thermalization` (sweeps), `pilot_sweeps`,
/// `chains`, `seed`; texts `algorithm` and `version` (the crate's) as uint8 arrays of their
/// UTF-8 bytes.
pub fn write_dataset(
    data: &McDataSet,
    path: &Path,
    overwrite: bool,
    format: DatasetFormat,
) -> Result<()> {
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
    let root_n = (cfg.n as f64).sqrt();
    let spins = phi.mapv(|x| x / root_n);
    write_atomically(path, overwrite, |npz| {
        if format.float32 {
            npz.add_array("phi", &phi.mapv(|x| x as f32))?;
            npz.add_array("s", &spins.mapv(|x| x as f32))?;
        } else {
            npz.add_array("phi", &phi)?;
            npz.add_array("s", &spins)?;
        }
        for (name, x) in [
            ("n", cfg.n as f64),
            ("d", cfg.d as f64),
            ("l", cfg.l as f64),
            ("k", data.k),
            ("beta", data.beta),
            ("tau_int_m2", data.tau_int_m2),
            ("spacing", data.spacing as f64),
            ("thermalization", cfg.thermalization as f64),
            ("pilot_sweeps", cfg.measurements as f64),
            ("chains", cfg.chains as f64),
        ] {
            npz.add_array(name, &arr0(x))?;
        }
        npz.add_array("seed", &arr0(cfg.seed))?;
        npz.add_array("algorithm", &text_array(cfg.algorithm.name()))?;
        npz.add_array("version", &text_array(env!("CARGO_PKG_VERSION")))?;
        Ok(())
    })
}
