//! Lattice configurations from and to numpy files. Reading: an `.npy` file, or an entry of an `.npz`
//! archive, holding an array of shape [M, L, …, L] (one scalar field per configuration) or
//! [M, n, L, …, L] (n component fields per configuration), float32 or float64, in C or Fortran
//! order. Everything is checked before the array is read: the dtype, the shape (d ∈ {1, …, 4},
//! equal sides, no empty axis), that the file holds as many bytes as its header promises, and
//! that the array fits the memory limit ([`crate::error::memory_limit`]); after reading, that
//! every entry is finite. Each refusal is one [`Error::DataFile`] naming the file, the array and
//! what would be valid. Writing: [`write_npz`], atomic and never over a file unless asked.
//!
//! Which axes are the lattice: the trailing axes of equal length, up to four. An array
//! [M, a, b, …, b] with a ≠ b has n = a components. When that is ambiguous ([M, 3, 3, 3] is one
//! 3-d field or three 2-d components), [`FileOptions::components`] says which, and an `.npz`
//! written by this crate carries a scalar `n` that does.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::{Array0, ArrayD, Axis, Dimension, Ix0, IxDyn, OwnedRepr};
use ndarray_npy::npy::header::Header;
use ndarray_npy::{NpzReader, ReadNpyExt};
use serde::Serialize;

use crate::data::ComponentData;
use crate::error::{check_memory, Error, Result};
use crate::lattice::Lattice;

/// How to read a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// The `.npz` entry holding the fields (default: `phi` if present, else the only entry
    /// with two or more axes).
    pub key: Option<String>,
    /// The number of components n, when the second axis is the component axis: needed only
    /// when the shape alone is ambiguous (default: the file's scalar `n`, else the shape).
    pub components: Option<usize>,
}

/// What was read, and from where.
#[derive(Debug, Clone)]
pub struct LoadedData {
    /// The configurations.
    pub data: ComponentData,
    /// Where they came from.
    pub source: FileSource,
}

/// The file an array was read from, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSource {
    /// The file.
    pub path: PathBuf,
    /// The array (`.npz` key, or `-` for an `.npy` file).
    pub array: String,
    /// Its numpy dtype (`float32` or `float64`).
    pub dtype: String,
    /// Its shape.
    pub shape: Vec<usize>,
}

impl ComponentData {
    /// Reads the configurations in an `.npz` archive's entry `key` (or the entry
    /// [`FileOptions::key`] describes when `key` is `None`).
    pub fn from_npz(path: &Path, key: Option<&str>) -> Result<Self> {
        let options = FileOptions {
            key: key.map(str::to_string),
            components: None,
        };
        Ok(read(path, &options)?.data)
    }

    /// Reads the configurations in an `.npy` file.
    pub fn from_npy(path: &Path) -> Result<Self> {
        Ok(read(path, &FileOptions::default())?.data)
    }
}

/// Reads the configurations of an `.npy` or `.npz` file (told apart by their first bytes).
pub fn read(path: &Path, options: &FileOptions) -> Result<LoadedData> {
    let refuse = |array: &str, problem: String| Error::DataFile {
        path: path.to_path_buf(),
        array: array.to_string(),
        problem,
    };
    let mut magic = [0u8; 6];
    let mut file = File::open(path).map_err(|e| Error::io("read", path, e))?;
    let got = file
        .read(&mut magic)
        .map_err(|e| Error::io("read", path, e))?;
    if magic[..got].starts_with(b"\x93NUMPY") {
        read_npy(path, options).map_err(|p| refuse("-", p))
    } else if magic[..got].starts_with(b"PK") {
        read_npz(path, options)
    } else {
        Err(refuse(
            "-",
            "neither an .npy file nor an .npz (zip) archive: save with np.save or np.savez".into(),
        ))
    }
}

/// The float width (4 or 8 bytes) of a numpy type descriptor, or why it is refused.
fn float_width(descriptor: &str) -> std::result::Result<usize, String> {
    let d = descriptor.trim_matches('\'');
    let mut chars = d.chars();
    let order = chars.next().unwrap_or('?');
    if !"<>=|".contains(order) {
        return Err(format!(
            "dtype {d}: unknown byte order {order:?} (numpy writes <, >, = or |); need float32 or float64"
        ));
    }
    let kind = chars.next().unwrap_or('?');
    let width: Option<usize> = chars.as_str().parse().ok();
    let name = match (kind, width) {
        ('f', Some(w @ (4 | 8))) => return Ok(w),
        ('f', _) => "a float width other than 32 or 64 bits",
        ('i' | 'u', _) => "integers",
        ('c', _) => "complex numbers",
        ('b', _) => "booleans",
        ('O', _) => "Python objects",
        ('U' | 'S', _) => "strings",
        _ => "a structured or unknown type",
    };
    Err(format!(
        "dtype {d} holds {name}: need float32 or float64 (e.g. x.astype(np.float64))"
    ))
}

/// The shape and dtype checks shared by both formats; returns the element width in bytes.
fn check_header(header: &Header, bytes_available: u64) -> std::result::Result<usize, String> {
    let width = float_width(&header.type_descriptor.to_string())?;
    let shape = &header.shape;
    if shape.len() < 2 {
        return Err(format!(
            "shape {shape:?}: need [M, L, …] or [M, n, L, …] (configurations first)"
        ));
    }
    if let Some(axis) = shape.iter().position(|&s| s == 0) {
        return Err(format!("shape {shape:?}: axis {axis} is empty"));
    }
    let count = shape
        .iter()
        .try_fold(1u64, |acc, &s| acc.checked_mul(s as u64))
        .ok_or_else(|| format!("shape {shape:?}: more elements than can be counted"))?;
    let needed = count.saturating_mul(width as u64);
    if needed > bytes_available {
        return Err(format!(
            "truncated: the header promises {count} elements ({needed} bytes) but the file holds {bytes_available} bytes of array data"
        ));
    }
    Ok(width)
}

/// Reads an `.npy` file; the error is the problem, without the file's name.
fn read_npy(path: &Path, options: &FileOptions) -> std::result::Result<LoadedData, String> {
    let io = |e: std::io::Error| e.to_string();
    let mut file = File::open(path).map_err(io)?;
    let header = Header::from_reader(&mut file).map_err(|e| format!("bad .npy header: {e}"))?;
    let total = file.metadata().map_err(io)?.len();
    let start = std::io::Seek::stream_position(&mut file).map_err(io)?;
    let width = check_header(&header, total.saturating_sub(start))?;
    let layout = layout(&header.shape, options.components)?;
    check_fits(&header.shape)?;
    let file = File::open(path).map_err(io)?;
    let array = if width == 8 {
        ArrayD::<f64>::read_npy(file).map_err(|e| e.to_string())?
    } else {
        ArrayD::<f32>::read_npy(file)
            .map_err(|e| e.to_string())?
            .mapv(f64::from)
    };
    let source = FileSource {
        path: path.to_path_buf(),
        array: "-".into(),
        dtype: dtype_name(width),
        shape: header.shape.clone(),
    };
    Ok(LoadedData {
        data: into_components(array, layout)?,
        source,
    })
}

/// Reads an `.npz` archive's entry.
fn read_npz(path: &Path, options: &FileOptions) -> Result<LoadedData> {
    let refuse = |array: &str, problem: String| Error::DataFile {
        path: path.to_path_buf(),
        array: array.to_string(),
        problem,
    };
    let file = File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| refuse("-", format!("not a readable .npz (zip) archive: {e}")))?;
    let keys: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.strip_suffix(".npy"))
        .map(str::to_string)
        .collect();
    let headers = keys
        .iter()
        .map(|k| {
            let mut entry = zip
                .by_name(&format!("{k}.npy"))
                .map_err(|e| refuse(k, e.to_string()))?;
            let header = Header::from_reader(&mut entry)
                .map_err(|e| refuse(k, format!("bad .npy header: {e}")))?;
            Ok((k.clone(), header, entry.size()))
        })
        .collect::<Result<Vec<_>>>()?;
    let key = choose_key(&headers, options.key.as_deref()).map_err(|p| refuse("-", p))?;
    let (_, header, size) = headers
        .iter()
        .find(|(k, _, _)| *k == key)
        .ok_or_else(|| refuse(&key, "missing".into()))?;
    let width = check_header(header, *size).map_err(|p| refuse(&key, p))?;
    let components = match options.components {
        Some(n) => Some(n),
        None if key == "phi" => scalar_n(path),
        None => None,
    };
    let layout = layout(&header.shape, components).map_err(|p| refuse(&key, p))?;
    check_fits(&header.shape).map_err(|p| refuse(&key, p))?;
    let file = File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut npz = NpzReader::new(file).map_err(|e| refuse(&key, e.to_string()))?;
    let array = if width == 8 {
        npz.by_name::<OwnedRepr<f64>, IxDyn>(&key)
            .map_err(|e| refuse(&key, e.to_string()))?
    } else {
        npz.by_name::<OwnedRepr<f32>, IxDyn>(&key)
            .map_err(|e| refuse(&key, e.to_string()))?
            .mapv(f64::from)
    };
    let source = FileSource {
        path: path.to_path_buf(),
        array: key.clone(),
        dtype: dtype_name(width),
        shape: header.shape.clone(),
    };
    Ok(LoadedData {
        data: into_components(array, layout).map_err(|p| refuse(&key, p))?,
        source,
    })
}

fn dtype_name(width: usize) -> String {
    if width == 8 { "float64" } else { "float32" }.into()
}

/// The entry to read: the asked-for key, else `phi`, else the only entry with ≥ 2 axes.
fn choose_key(
    headers: &[(String, Header, u64)],
    asked: Option<&str>,
) -> std::result::Result<String, String> {
    let names = || {
        headers
            .iter()
            .map(|(k, h, _)| format!("{k} {:?}", h.shape))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(key) = asked {
        return if headers.iter().any(|(k, _, _)| k == key) {
            Ok(key.to_string())
        } else {
            Err(format!("no array {key:?}; the file holds: {}", names()))
        };
    }
    if headers.iter().any(|(k, _, _)| k == "phi") {
        return Ok("phi".into());
    }
    let fields: Vec<&String> = headers
        .iter()
        .filter(|(_, h, _)| h.shape.len() >= 2)
        .map(|(k, _, _)| k)
        .collect();
    match fields.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(format!(
            "no array with a configuration axis and a lattice; the file holds: {}",
            names()
        )),
        _ => Err(format!(
            "several arrays could be the fields ({}): choose one with --key",
            names()
        )),
    }
}

/// The scalar `n` of an `.npz` written by this crate, if any.
fn scalar_n(path: &Path) -> Option<usize> {
    let mut npz = NpzReader::new(File::open(path).ok()?).ok()?;
    let n: Array0<f64> = npz.by_name::<OwnedRepr<f64>, Ix0>("n").ok()?;
    let n = n.into_scalar();
    (n >= 1.0 && n.fract() == 0.0).then_some(n as usize)
}

/// Where the lattice is in a shape: the number of components and the lattice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    n: usize,
    lattice: Lattice,
}

fn layout(shape: &[usize], components: Option<usize>) -> std::result::Result<Layout, String> {
    let rest = &shape[1..];
    let component_axis = match components {
        Some(n) if rest.len() >= 2 && rest[0] == n => true,
        Some(n) => {
            return Err(format!(
                "shape {shape:?} has no component axis of length n = {n} after the configurations"
            ))
        }
        // d ≥ 2 lattice axes after a different leading axis; [M, a, b] stays a 2-d lattice
        // (and is refused if a ≠ b): one-dimensional components must be declared
        None => rest.len() >= 3 && rest[1..].iter().all(|&s| s == rest[1]) && rest[0] != rest[1],
    };
    let (n, sides) = if component_axis {
        (rest[0], &rest[1..])
    } else {
        (1, rest)
    };
    if !sides.iter().all(|&s| s == sides[0]) {
        return Err(format!(
            "shape {shape:?}: the lattice axes {sides:?} have different lengths (need [M, L, …, L] or [M, n, L, …, L])"
        ));
    }
    if sides.len() > 4 {
        return Err(format!(
            "shape {shape:?}: {} lattice axes; d must be 1, 2, 3 or 4",
            sides.len()
        ));
    }
    let lattice = Lattice::new(sides.len(), sides[0]).map_err(|e| e.to_string())?;
    Ok(Layout { n, lattice })
}

/// Refuses an array that would not fit the memory limit as float64 (read once, copied once).
fn check_fits(shape: &[usize]) -> std::result::Result<(), String> {
    let count: f64 = shape.iter().map(|&s| s as f64).product();
    check_memory(
        "reading this array",
        2.0 * 8.0 * count,
        "raise --max-memory or read fewer configurations",
    )
    .map_err(|e| e.to_string())
}

/// Splits the array into configurations of n component fields, refusing non-finite entries.
fn into_components(
    array: ArrayD<f64>,
    layout: Layout,
) -> std::result::Result<ComponentData, String> {
    if let Some((index, x)) = array.indexed_iter().find(|(_, x)| !x.is_finite()) {
        return Err(format!(
            "entry {:?} is {}: every value must be finite",
            index.slice(),
            crate::error::number(*x)
        ));
    }
    let configs: Vec<Vec<ArrayD<f64>>> = array
        .axis_iter(Axis(0))
        .map(|config| {
            if layout.n == 1 && config.ndim() == layout.lattice.dim() {
                vec![config.as_standard_layout().into_owned()]
            } else {
                config
                    .axis_iter(Axis(0))
                    .map(|field| field.as_standard_layout().into_owned())
                    .collect()
            }
        })
        .collect();
    ComponentData::new(layout.lattice, layout.n, configs).map_err(|e| e.to_string())
}

/// Writes an `.npz` archive at `path` atomically (a temporary file in the target directory,
/// synced, then renamed), so a reader never sees half a file; refuses an existing `path` unless
/// `overwrite`. `fill` adds the arrays.
pub fn write_npz(
    path: &Path,
    overwrite: bool,
    fill: impl FnOnce(
        &mut ndarray_npy::NpzWriter<&mut File>,
    ) -> std::result::Result<(), ndarray_npy::WriteNpzError>,
) -> Result<()> {
    let io_error = |detail: &dyn std::fmt::Display| Error::io("write", path, detail);
    if !overwrite && path.exists() {
        return Err(io_error(&"file exists (pass --force to replace it)"));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io_error(&e))?;
    {
        let mut npz = ndarray_npy::NpzWriter::new(tmp.as_file_mut());
        fill(&mut npz).map_err(|e| io_error(&e))?;
        npz.finish().map_err(|e| io_error(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| io_error(&e))?;
    let persisted = if overwrite {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    persisted.map(|_| ()).map_err(|e| io_error(&e.error))
}
