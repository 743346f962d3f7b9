//! Data out: generated fields and trained networks as `.npz`, in the layout the
//! crate reads back ([`crate::data::file`]), with the run's parameters as metadata arrays:
//! numbers as 0-d float64 arrays, texts as uint8 arrays of their UTF-8 bytes (numpy:
//! `bytes(f["sampler"]).decode()`). Written atomically, never over a file unless asked.

use std::path::Path;

use ndarray::{arr0, Array1, ArrayD, IxDyn};

use crate::data::file::write_npz;
use crate::error::{Error, Result};
use crate::experiment::ConvNet;
use crate::study::{GenerateReport, TrainReport};

fn text(s: &str) -> Array1<u8> {
    Array1::from(s.as_bytes().to_vec())
}

/// Bytes [`generated_fields`] writes for M fields on V sites (float64, plus 4 kB of metadata).
pub fn generated_fields_bytes(samples: usize, volume: usize) -> f64 {
    8.0 * samples as f64 * volume as f64 + 4096.0
}

/// Writes the generated fields of a `generate` run: `fields` of shape [M, L, …, L] (float64),
/// scalars `d`, `l`, `depth` (0: the exact score), `steps` (training steps per grid time),
/// `c`, `epsilon`, `seed`, `t_min`, and texts `sampler`, `grid`, `version`.
pub fn generated_fields(
    report: &GenerateReport,
    fields: &[ArrayD<f64>],
    path: &Path,
    overwrite: bool,
) -> Result<()> {
    let c = &report.config;
    let mut shape = vec![fields.len()];
    shape.extend(std::iter::repeat_n(c.l, c.d));
    let flat: Vec<f64> = fields.iter().flat_map(|f| f.iter().copied()).collect();
    let array =
        ArrayD::from_shape_vec(IxDyn(&shape), flat).map_err(|e| Error::Mismatch(e.to_string()))?;
    write_npz(path, overwrite, |npz| {
        npz.add_array("fields", &array)?;
        for (name, x) in [
            ("d", c.d as f64),
            ("l", c.l as f64),
            ("depth", c.depth.unwrap_or(0) as f64),
            ("steps", c.steps as f64),
            ("c", c.protocol.lr_fraction),
            ("epsilon", c.protocol.epsilon),
            ("t_min", report.t_min),
        ] {
            npz.add_array(name, &arr0(x))?;
        }
        npz.add_array("seed", &arr0(c.seed))?;
        npz.add_array("sampler", &text(&c.sampler.to_string()))?;
        npz.add_array("grid", &text(&c.grid.0))?;
        npz.add_array("version", &text(env!("CARGO_PKG_VERSION")))?;
        Ok(())
    })
}

/// Bytes [`trained_network`] writes: D kernels of V entries and the complex symbol.
pub fn trained_network_bytes(depth: usize, volume: usize) -> f64 {
    8.0 * (depth as f64 + 2.0) * volume as f64 + 4096.0
}

/// Writes a trained network of a `train` run: `kernels` of shape [D, L, …, L] (a_l(r), r in
/// FFT order, zero off a local layer's support; layer 0 is applied first), the network symbol
/// v_k = Π_l a_{l,k} (the score is −v_k x̂_k) as `symbol_re`, `symbol_im` in numpy's rfftn
/// layout [L, …, L/2 + 1], scalars `d`, `l`, `depth`, `t`, `c`, `epsilon`, `learning_rate`,
/// `steps_taken`, `seed`, `parameters`, and texts `layers`, `version`.
pub fn trained_network(
    report: &TrainReport,
    net: &ConvNet,
    path: &Path,
    overwrite: bool,
) -> Result<()> {
    let c = &report.config;
    let kernels = ndarray::stack(
        ndarray::Axis(0),
        &net.kernels().iter().map(|k| k.view()).collect::<Vec<_>>(),
    )
    .map_err(|e| Error::Mismatch(e.to_string()))?;
    let symbol = net.symbol();
    write_npz(path, overwrite, |npz| {
        npz.add_array("kernels", &kernels)?;
        npz.add_array("symbol_re", &symbol.mapv(|z| z.re))?;
        npz.add_array("symbol_im", &symbol.mapv(|z| z.im))?;
        for (name, x) in [
            ("d", c.d as f64),
            ("l", c.l as f64),
            ("depth", c.depth as f64),
            ("t", c.t),
            ("c", c.protocol.lr_fraction),
            ("epsilon", c.protocol.epsilon),
            ("learning_rate", report.learning_rate),
            ("steps_taken", report.steps_taken as f64),
            ("parameters", report.parameters as f64),
        ] {
            npz.add_array(name, &arr0(x))?;
        }
        npz.add_array("seed", &arr0(c.seed))?;
        npz.add_array("layers", &text(&c.layers.to_string()))?;
        npz.add_array("version", &text(env!("CARGO_PKG_VERSION")))?;
        Ok(())
    })
}

/// Writes the trained network of the last run of a `train-network` study: every parameter
/// array under its name (`input.weight` [offsets·C_in, C_out], `input.bias`,
/// `block{j}.first.weight`, …, `block{j}.time`, `output.weight`, `output.bias`; a weight's
/// rows run over the kernel offsets (r₁, r₂) in the order of `offsets` [K, 2], input channel
/// fastest), scalars `d`, `l`, `seed`, `width`, `blocks`, `embedding`, `parameters`, `steps`
/// and texts `activation`, `output`, `float`, `version`.
pub fn network_weights(
    study: &crate::study::network::NetworkStudy,
    weights: &crate::study::network::NamedWeights,
    path: &Path,
    overwrite: bool,
) -> Result<()> {
    let c = &study.config;
    let last = study
        .runs
        .last()
        .ok_or_else(|| Error::Mismatch("a study without runs has no network to write".into()))?;
    let lattice = crate::Lattice::new(c.d, last.l)?;
    let offsets: Vec<f64> = c
        .spec
        .offsets(lattice)
        .into_iter()
        .flat_map(|(a, b)| [a as f64, b as f64])
        .collect();
    let offsets = ndarray::Array2::from_shape_vec((offsets.len() / 2, 2), offsets)
        .map_err(|e| Error::Mismatch(e.to_string()))?;
    let steps = last.checkpoints.last().map_or(0, |k| k.step);
    write_npz(path, overwrite, |npz| {
        for (name, w) in weights {
            npz.add_array(name.as_str(), w)?;
        }
        npz.add_array("offsets", &offsets)?;
        for (name, x) in [
            ("d", c.d as f64),
            ("l", last.l as f64),
            ("width", c.spec.width as f64),
            ("blocks", c.spec.blocks as f64),
            ("embedding", c.spec.embedding as f64),
            ("parameters", study.parameters as f64),
            ("steps", steps as f64),
        ] {
            npz.add_array(name, &arr0(x))?;
        }
        npz.add_array("seed", &arr0(last.seed))?;
        npz.add_array("activation", &text(&c.spec.activation.to_string()))?;
        npz.add_array("output", &text(&c.spec.output.to_string()))?;
        npz.add_array("float", &text(study.float))?;
        npz.add_array("version", &text(env!("CARGO_PKG_VERSION")))?;
        Ok(())
    })
}
