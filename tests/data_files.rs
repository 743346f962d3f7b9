//! Data in and out (SPEC §12): numpy's own files read back with their known values, Monte Carlo
//! configurations exported and re-imported unchanged, the observables printed for an export
//! recomputed from the file, and every kind of bad file refused in one line with exit status 2,
//! before anything large is allocated.

use std::path::{Path, PathBuf};
use std::process::Command;

use critical_slowing::data::file::{read, FileOptions};
use critical_slowing::data::ComponentData;
use ndarray::{ArrayD, IxDyn};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The value make_fixtures.py stores at C-order flat index i.
fn fixture_value(i: usize) -> f64 {
    (0.1 * i as f64 + 0.3).sin()
}

/// Configuration m, component a, as read, against the formula (flat index over [M, n, L…]).
fn assert_values(data: &ComponentData, tolerance: f64) {
    let per_field = data.lattice().volume();
    for (m, config) in data.configs().iter().enumerate() {
        for (a, field) in config.iter().enumerate() {
            for (j, x) in field.iter().enumerate() {
                let i = (m * data.n() + a) * per_field + j;
                assert!(
                    (x - fixture_value(i)).abs() <= tolerance,
                    "config {m}, component {a}, site {j}: {x} against {}",
                    fixture_value(i)
                );
            }
        }
    }
}

#[test]
fn numpy_files_read_back_with_their_values() {
    let scalar = read(&fixture("scalar_f64.npz"), &FileOptions::default()).unwrap();
    assert_eq!(scalar.source.array, "fields");
    assert_eq!(scalar.source.dtype, "float64");
    assert_eq!((scalar.data.len(), scalar.data.n()), (4, 1));
    assert_eq!(
        (scalar.data.lattice().dim(), scalar.data.lattice().side()),
        (2, 3)
    );
    assert_values(&scalar.data, 0.0);

    // float32: the stored value is the float64 formula rounded to 24 bits
    let comps = ComponentData::from_npz(&fixture("components_f32.npz"), None).unwrap();
    assert_eq!((comps.len(), comps.n(), comps.lattice().side()), (3, 2, 4));
    assert_values(&comps, f64::from(f32::EPSILON));
    // the trainers' data set: every component of every configuration is one clean field
    let set = critical_slowing::experiment::DataSet::from_npz(
        &fixture("components_f32.npz"),
        Some("phi"),
        &[0.5],
        1,
    )
    .unwrap();
    assert_eq!(set.len(), 6);

    let one_d = ComponentData::from_npy(&fixture("scalar_1d.npy")).unwrap();
    assert_eq!(
        (one_d.len(), one_d.lattice().dim(), one_d.lattice().side()),
        (5, 1, 6)
    );
    assert_values(&one_d, 0.0);

    // Fortran order: the same logical array as scalar_f64's fields
    let fortran = ComponentData::from_npy(&fixture("fortran_f64.npy")).unwrap();
    assert_values(&fortran, 0.0);
}

/// An ambiguous shape is read as the caller says: [M, 3, 3, 3] is one 3-d field by default,
/// three 2-d components with `components = 3`.
#[test]
fn the_component_axis_is_inferred_or_declared() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cube.npy");
    let a = ArrayD::from_shape_fn(IxDyn(&[4, 3, 3, 3]), |i| (i[1] + i[2] + i[3]) as f64);
    ndarray_npy::write_npy(&path, &a).unwrap();
    let d3 = read(&path, &FileOptions::default()).unwrap().data;
    assert_eq!((d3.n(), d3.lattice().dim()), (1, 3));
    let options = FileOptions {
        key: None,
        components: Some(3),
    };
    let d2 = read(&path, &options).unwrap().data;
    assert_eq!((d2.n(), d2.lattice().dim()), (3, 2));
    // [M, 2, 5, 5]: the leading axis differs from the lattice's, so n = 2
    let path = dir.path().join("pairs.npy");
    let b = ArrayD::from_shape_fn(IxDyn(&[4, 2, 5, 5]), |i| i[3] as f64);
    ndarray_npy::write_npy(&path, &b).unwrap();
    let pairs = read(&path, &FileOptions::default()).unwrap().data;
    // a declared n that the shape does not have is refused, also with no lattice axis after it
    let two = FileOptions {
        key: None,
        components: Some(2),
    };
    let err = read(&dir.path().join("cube.npy"), &two)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no component axis of length n = 2"), "{err}");
    let flat = dir.path().join("flat.npy");
    ndarray_npy::write_npy(&flat, &ArrayD::from_elem(IxDyn(&[4, 3]), 0.5)).unwrap();
    let three = FileOptions {
        key: None,
        components: Some(3),
    };
    let err = read(&flat, &three).unwrap_err().to_string();
    assert!(err.contains("no component axis of length n = 3"), "{err}");
    // the crate's own exports carry a scalar `n` beside `phi`, which settles [M, 3, 3, 3] as
    // three 2-d components; beside another key the scalar is not read
    for (key, expected) in [("phi", (3, 2)), ("fields", (1, 3))] {
        let path = dir.path().join(format!("{key}.npz"));
        critical_slowing::data::file::write_npz(&path, false, |npz| {
            npz.add_array(key, &a)?;
            npz.add_array("n", &ndarray::arr0(3.0))
        })
        .unwrap();
        let got = read(&path, &FileOptions::default()).unwrap().data;
        assert_eq!((got.n(), got.lattice().dim()), expected, "{key}");
    }
    // four lattice axes are the most there are (d = 4), and they read
    let path = dir.path().join("four.npy");
    ndarray_npy::write_npy(&path, &ArrayD::from_elem(IxDyn(&[2, 3, 3, 3, 3]), 0.5)).unwrap();
    let four = read(&path, &FileOptions::default()).unwrap().data;
    assert_eq!((four.lattice().dim(), four.lattice().side()), (4, 3));
    // a scalar n that is not a positive integer is not a component count: ignored
    let path = dir.path().join("half.npz");
    critical_slowing::data::file::write_npz(&path, false, |npz| {
        npz.add_array("phi", &a)?;
        npz.add_array("n", &ndarray::arr0(2.5))
    })
    .unwrap();
    let got = read(&path, &FileOptions::default()).unwrap().data;
    assert_eq!((got.n(), got.lattice().dim()), (1, 3));
    assert_eq!(
        (pairs.n(), pairs.lattice().dim(), pairs.lattice().side()),
        (2, 2, 5)
    );
}

/// Monte Carlo configurations written by `mc --configurations` come back identical (float64)
/// or rounded to float32, with their metadata; the observables the command printed are those
/// of the file's configurations, recomputed here from `s` by direct sums.
#[test]
fn exported_configurations_round_trip_and_reproduce_the_printed_observables() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ising.npz");
    let o = cli(&[
        "mc",
        "--l",
        "6",
        "--configurations",
        "40",
        "--samples",
        "200",
        "--thermalization",
        "100",
        "--seed",
        "3",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut npz = ndarray_npy::NpzReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    let s: ArrayD<f64> = npz.by_name("s").unwrap();
    let phi: ArrayD<f64> = npz.by_name("phi").unwrap();
    assert_eq!(s.shape(), &[40, 1, 6, 6]);
    assert_eq!(phi, s, "n = 1: φ = s");
    let algorithm: ndarray::Array1<u8> = npz.by_name("algorithm").unwrap();
    assert_eq!(algorithm.to_vec(), b"wolff");
    let spacing: ndarray::Array0<f64> = npz.by_name("spacing").unwrap();
    assert_eq!(spacing.into_scalar(), printed["spacing"].as_f64().unwrap());
    // energy per site −(1/V) Σ_x (s_x s_{x+x̂} + s_x s_{x+ŷ}) and |m|², by direct loops
    let (mut energy, mut m2) = (0.0, 0.0);
    for c in 0..40 {
        let at = |x: usize, y: usize| s[[c, 0, x % 6, y % 6]];
        let (mut bonds, mut m) = (0.0, 0.0);
        for x in 0..6 {
            for y in 0..6 {
                bonds += at(x, y) * (at(x + 1, y) + at(x, y + 1));
                m += at(x, y) / 36.0;
            }
        }
        energy += -bonds / 36.0 / 40.0;
        m2 += m * m / 40.0;
    }
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    assert!(close(energy, printed["energy"]["mean"].as_f64().unwrap()));
    assert!(close(m2, printed["m2"]["mean"].as_f64().unwrap()));
    // the file reads back as the crate's own data: every value identical
    let back = ComponentData::from_npz(&out, None).unwrap();
    assert_eq!((back.len(), back.n()), (40, 1));
    for (c, config) in back.configs().iter().enumerate() {
        assert_eq!(
            config[0],
            s.index_axis(ndarray::Axis(0), c)
                .index_axis(ndarray::Axis(0), 0)
        );
    }
    // float32 on request, half the size; the same run rounded
    let out32 = dir.path().join("ising32.npz");
    let o = cli(&[
        "mc",
        "--l",
        "6",
        "--configurations",
        "40",
        "--samples",
        "200",
        "--thermalization",
        "100",
        "--seed",
        "3",
        "--float32",
        "--out",
        out32.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let back32 = ComponentData::from_npz(&out32, None).unwrap();
    assert_eq!(
        back32.configs(),
        back.configs(),
        "±1 spins are exact in float32"
    );
    let size = |p: &Path| std::fs::metadata(p).unwrap().len() as f64;
    assert!(
        size(&out32) < 0.6 * size(&out),
        "{} vs {}",
        size(&out32),
        size(&out)
    );
    // a bare file name is written in the working directory
    let o = Command::new(env!("CARGO_BIN_EXE_critical-slowing"))
        .args([
            "mc",
            "--l",
            "4",
            "--configurations",
            "4",
            "--samples",
            "100",
            "--out",
            "bare.npz",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        ComponentData::from_npz(&dir.path().join("bare.npz"), None)
            .unwrap()
            .len(),
        4
    );
    // never over an existing file without --force
    let before = std::fs::read(&out).unwrap();
    let o = cli(&[
        "mc",
        "--l",
        "6",
        "--configurations",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&out).unwrap(), before);
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_critical-slowing"))
        .args(args)
        .output()
        .unwrap()
}

/// An .npy file with a hand-written header (numpy format 1.0) and `data` after it.
fn raw_npy(descr: &str, shape: &str, fortran: bool, data: &[u8]) -> Vec<u8> {
    let order = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

/// An .npz holding one entry `name`.npy with the given bytes (stored, uncompressed).
fn raw_npz(name: &str, npy: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file(format!("{name}.npy"), options).unwrap();
    zip.write_all(npy).unwrap();
    zip.finish().unwrap().into_inner()
}

fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Every kind of bad file: one line naming the file and the problem, exit status 2, no panic,
/// and the 10⁹-element header refused before its array is allocated.
#[test]
fn bad_files_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = f64_bytes(&vec![0.5; 4 * 9]);
    let mut with_nan = vec![0.5; 36];
    with_nan[13] = f64::NAN;
    let mut with_inf = vec![0.5; 36];
    with_inf[7] = f64::INFINITY;
    let valid_npz = std::fs::read(fixture("scalar_f64.npz")).unwrap();
    let cases: Vec<(&str, Vec<u8>, Vec<&str>, &str)> = vec![
        (
            "case0.npz",
            valid_npz[..valid_npz.len() / 2].to_vec(),
            vec![],
            "not a readable .npz (zip) archive",
        ),
        (
            "case1.npz",
            b"x,y\n1,2\n".to_vec(),
            vec![],
            "neither an .npy",
        ),
        (
            "case2.npy",
            raw_npy("<i8", "(4, 3, 3)", false, &good),
            vec![],
            "dtype <i8 holds integers",
        ),
        (
            "case3.npy",
            raw_npy("<c16", "(4, 3, 3)", false, &good),
            vec![],
            "dtype <c16 holds complex numbers",
        ),
        (
            "case4.npy",
            raw_npy("|O", "(4, 3, 3)", false, &good),
            vec![],
            "dtype |O holds Python objects",
        ),
        (
            "case20.npz",
            {
                let path = dir.path().join("scalars.npz");
                critical_slowing::data::file::write_npz(&path, true, |npz| {
                    npz.add_array("n", &ndarray::arr0(1.0))?;
                    npz.add_array("m", &ndarray::Array1::from(vec![0.5, 0.25]))
                })
                .unwrap();
                let bytes = std::fs::read(&path).unwrap();
                std::fs::remove_file(&path).unwrap();
                bytes
            },
            vec![],
            "no array with a configuration axis and a lattice",
        ),
        (
            "case14.npy",
            raw_npy("<f2", "(4, 3, 3)", false, &good),
            vec![],
            "dtype <f2 holds a float width other than 32 or 64 bits",
        ),
        (
            "case15.npy",
            raw_npy("*f8", "(4, 3, 3)", false, &good),
            vec![],
            "unknown byte order '*'",
        ),
        (
            "case16.npy",
            raw_npy("éf8", "(4, 3, 3)", false, &good),
            vec![],
            // refused by the header parser before the descriptor is read: no panic on a
            // multi-byte first character
            "bad .npy header",
        ),
        (
            "case17.npy",
            raw_npy("|b1", "(4, 3, 3)", false, &good),
            vec![],
            "holds booleans",
        ),
        (
            "case18.npy",
            raw_npy("<U8", "(4, 3, 3)", false, &good),
            vec![],
            "holds strings",
        ),
        (
            "case19.npy",
            raw_npy("|V16", "(4, 3, 3)", false, &good),
            vec![],
            "holds a structured or unknown type",
        ),
        (
            "case5.npy",
            raw_npy("<f8", "(0, 3, 3)", false, &[]),
            vec![],
            "axis 0 is empty",
        ),
        (
            "case6.npy",
            raw_npy("<f8", "(4, 3, 3)", false, &f64_bytes(&with_nan)),
            vec![],
            "entry [1, 1, 1] is NaN",
        ),
        (
            "case7.npy",
            raw_npy("<f8", "(4, 3, 3)", false, &f64_bytes(&with_inf)),
            vec![],
            "entry [0, 2, 1] is inf",
        ),
        (
            "case8.npy",
            raw_npy("<f8", "(4, 3, 5)", false, &f64_bytes(&[0.5; 60])),
            vec![],
            "different lengths",
        ),
        (
            "case9.npy",
            raw_npy("<f8", "(4, 3, 3)", false, &good[..100]),
            vec![],
            "truncated: the header promises 36 elements",
        ),
        (
            "case10.npy",
            raw_npy("<f8", "(1000, 1000, 1000)", false, &good),
            vec![],
            "1000000000 elements",
        ),
        (
            "case11.npz",
            raw_npz("phi", &raw_npy("<f8", "(1000, 1000, 1000)", false, &good)),
            vec![],
            "truncated: the header promises 1000000000 elements",
        ),
        (
            "case12.npz",
            valid_npz.clone(),
            vec!["--key", "spins"],
            "no array \"spins\"",
        ),
        (
            "case13.npy",
            raw_npy("<f8", "(2, 2, 2, 2, 2, 2)", false, &f64_bytes(&[0.5; 64])),
            vec![],
            "d must be",
        ),
    ];
    for (name, bytes, extra, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let mut args = vec!["analyse", "--data", path.to_str().unwrap()];
        args.extend(extra);
        let o = cli(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.starts_with("error: ") && err.trim_end().lines().count() == 1,
            "{name}: {err:?}"
        );
        assert!(
            err.contains(needle) && err.contains(name),
            "{name}: {err:?} lacks {needle:?}"
        );
        assert!(o.stdout.is_empty(), "{name}");
    }
}

/// `generate --out`: the fields read back through the crate's own reader, their per-mode
/// variances are those the command reported (the zero mode: M·⟨m²⟩·V recomputed here from the
/// fields by a direct mean), with the run's metadata.
#[test]
fn generated_fields_are_written_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gen.npz");
    let o = cli(&[
        "generate",
        "--l",
        "4",
        "--samples",
        "64",
        "--depth",
        "1",
        "--steps",
        "20",
        "--seed",
        "5",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let back = read(&out, &FileOptions::default()).unwrap();
    assert_eq!(back.source.array, "fields");
    assert_eq!(back.source.shape, vec![64, 4, 4, 4]);
    // measured magnetisation variance ⟨m²⟩ with m = (1/V) Σ_x φ(x), from the file
    let m2: f64 = back
        .data
        .configs()
        .iter()
        .map(|c| (c[0].sum() / 64.0).powi(2))
        .sum::<f64>()
        / 64.0;
    let reported = printed["magnetisation"]["measured"].as_f64().unwrap();
    assert!(
        (m2 - reported).abs() <= 1e-12 * reported,
        "{m2} vs {reported}"
    );
    let mut npz = ndarray_npy::NpzReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    let sampler: ndarray::Array1<u8> = npz.by_name("sampler").unwrap();
    assert_eq!(sampler.to_vec(), b"sde-exp");
    let steps: ndarray::Array0<f64> = npz.by_name("steps").unwrap();
    assert_eq!(steps.into_scalar(), 20.0);
}

/// `train --out`: the kernels of the trained network, and its symbol, which must be the
/// product over layers of each kernel's DFT Σ_r a(r) e^{−ik·r}, computed here by direct sums
/// (numpy's rfftn layout: the last axis holds k = 0…L/2).
#[test]
fn trained_network_is_written_with_kernels_and_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net.npz");
    let o = cli(&[
        "train",
        "--l",
        "4",
        "--depth",
        "2",
        "--samples",
        "64",
        "--steps",
        "30",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut npz = ndarray_npy::NpzReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    let kernels: ArrayD<f64> = npz.by_name("kernels").unwrap();
    let re: ArrayD<f64> = npz.by_name("symbol_re").unwrap();
    let im: ArrayD<f64> = npz.by_name("symbol_im").unwrap();
    assert_eq!(kernels.shape(), &[2, 4, 4, 4]);
    assert_eq!(re.shape(), &[4, 4, 3]);
    let l = 4usize;
    let tau = std::f64::consts::TAU;
    for (k, &v_re) in re.indexed_iter() {
        let (a, b, c) = (k[0], k[1], k[2]);
        let mut product = num_complex::Complex::new(1.0, 0.0);
        for layer in 0..2 {
            let mut s = num_complex::Complex::new(0.0, 0.0);
            for x in 0..l {
                for y in 0..l {
                    for z in 0..l {
                        let phase = -tau * ((a * x + b * y + c * z) as f64) / l as f64;
                        s += kernels[[layer, x, y, z]]
                            * num_complex::Complex::from_polar(1.0, phase);
                    }
                }
            }
            product *= s;
        }
        assert!((product.re - v_re).abs() < 1e-10, "k = ({a}, {b}, {c})");
        assert!(
            (product.im - im[[a, b, c]]).abs() < 1e-10,
            "k = ({a}, {b}, {c})"
        );
    }
    // an existing file is never replaced without --force
    let o = cli(&[
        "train",
        "--l",
        "4",
        "--steps",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// The memory check counts the array as float64 read once and copied once, 2·8 bytes per
/// element: 100 elements need 1 600 bytes, so `--max-memory 1K` refuses them before reading
/// and `--max-memory 2K` lets them through.
#[test]
fn the_array_is_checked_against_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.npy");
    let varied = ArrayD::from_shape_fn(IxDyn(&[4, 5, 5]), |i| {
        (1.3 * i[0] as f64 + 0.7 * i[1] as f64 + 0.4 * (i[2] * i[2]) as f64).sin()
    });
    ndarray_npy::write_npy(&path, &varied).unwrap();
    let p = path.to_str().unwrap();
    let o = cli(&["analyse", "--data", p, "--max-memory", "1K"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("1.6 kB") && err.contains("--max-memory"),
        "{err}"
    );
    let o = cli(&["analyse", "--data", p, "--max-memory", "2K", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // constant configurations have no fluctuation to analyse: one line, not a failed iteration
    let constant = dir.path().join("constant.npy");
    ndarray_npy::write_npy(&constant, &ArrayD::from_elem(IxDyn(&[4, 5, 5]), 0.5)).unwrap();
    let o = cli(&["analyse", "--data", constant.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("fluctuations on every class of modes"),
        "{err}"
    );
}

/// `analyse --report DIR`: the report, its tables and figures; a directory holding another
/// file is refused before any work and left as it was.
#[test]
fn analyse_writes_a_report_and_keeps_foreign_directories() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let data = fixture("scalar_f64.npz");
    let o = cli(&[
        "analyse",
        "--data",
        data.to_str().unwrap(),
        "--report",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "report.md",
        "analysis.json",
        "spectrum_0.csv",
        "training_0.csv",
        "figures/spectrum.svg",
        "figures/magnetisation.png",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let csv = std::fs::read_to_string(out.join("spectrum_0.csv")).unwrap();
    assert!(csv.starts_with("lambda,multiplicity,c_hat,lo,hi"), "{csv}");
    let thesis = dir.path().join("thesis");
    std::fs::create_dir(&thesis).unwrap();
    std::fs::write(thesis.join("chapter.tex"), "keep me").unwrap();
    let o = cli(&[
        "analyse",
        "--data",
        data.to_str().unwrap(),
        "--report",
        thesis.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(thesis.join("chapter.tex")).unwrap(),
        "keep me"
    );
}
