//! Dense linear algebra by LAPACK (ndarray-linalg), run on a thread with the stack LAPACK
//! needs.
//!
//! OpenBLAS's threaded LU factorisation (`dgetrf_parallel`, behind ndarray-linalg's `solve`
//! and `inv`) keeps work arrays for every thread it could use on the stack and recurses: with
//! a distribution's build (compiled for up to 64 threads or more) a factorisation a few
//! hundred rows wide needs more than the 2 MiB a spawned Rust thread gets by default (test
//! threads, rayon workers). It then ends in a segmentation fault, not an error: seen with
//! `cargo test --release --test suite local::approximation_floor_table` run alone (343 × 343 normal
//! equations), which passed only while other tests kept OpenBLAS's threads busy. Every LAPACK
//! call of the crate therefore goes through [`on_lapack_stack`], which runs it on a thread of
//! a dedicated rayon pool whose threads have [`LAPACK_STACK_BYTES`] of stack: reserved
//! address space, of which only the pages LAPACK touches are ever committed. The pool's
//! threads live as long as the process, so OpenBLAS sets up its per-thread buffers once (a
//! fresh thread per call, tried first, made the local studies, many small solves, several
//! times slower).

use ndarray_linalg::error::LinalgError;

use crate::error::{Error, Result};

/// Stack of the thread a LAPACK call runs on: 64 MiB (16 times what the factorisation above
/// was measured to need: it passed with `RUST_MIN_STACK=4000000`).
pub const LAPACK_STACK_BYTES: usize = 64 << 20;

/// The LAPACK pool: one thread per core, each with [`LAPACK_STACK_BYTES`] of stack, built on
/// first use (or the reason it could not be).
fn pool() -> Result<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<std::result::Result<rayon::ThreadPool, String>> =
        std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
            .stack_size(LAPACK_STACK_BYTES)
            .thread_name(|i| format!("lapack-{i}"))
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| Error::NoConvergence {
        what: "LAPACK call",
        detail: format!("cannot start the threads it runs on: {e}"),
    })
}

/// Runs `call` on a thread of the LAPACK pool ([`LAPACK_STACK_BYTES`] of stack) and returns
/// its value; the caller waits, and a panic in `call` is resumed on the caller's thread.
/// Errors only if the pool cannot be started.
pub fn on_lapack_stack<T: Send>(call: impl FnOnce() -> T + Send) -> Result<T> {
    Ok(pool()?.install(call))
}

/// Runs one ndarray-linalg call through [`on_lapack_stack`]; its failure becomes
/// [`Error::NoConvergence`] named `what`.
pub fn lapack<T: Send>(
    what: &'static str,
    call: impl FnOnce() -> std::result::Result<T, LinalgError> + Send,
) -> Result<T> {
    on_lapack_stack(call)?.map_err(|e| Error::NoConvergence {
        what,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};
    use ndarray_linalg::Solve;

    /// The call runs on the big-stack thread, its value and its error come back, and a panic
    /// inside it reaches the caller.
    #[test]
    fn runs_on_the_lapack_thread_and_returns() {
        let name = on_lapack_stack(|| std::thread::current().name().map(str::to_owned)).unwrap();
        assert!(name.is_some_and(|n| n.starts_with("lapack-")));
        let a = array![[2.0, 1.0], [1.0, 3.0]];
        let x: ndarray::Array1<f64> =
            lapack("2 × 2 system", || a.solve(&array![3.0, 5.0])).unwrap();
        assert!(
            (x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12,
            "{x}"
        );
        let singular = Array2::<f64>::zeros((2, 2));
        let e = lapack("singular system", || singular.solve(&array![1.0, 1.0])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("singular system did not converge"),
            "{e}"
        );
        let caught = std::panic::catch_unwind(|| on_lapack_stack(|| panic!("inside")));
        assert!(caught.is_err());
    }

    /// A 600 × 600 LU solve, wide enough for OpenBLAS's threaded factorisation, from a thread
    /// with a 1 MiB stack: without the LAPACK thread this is the segmentation fault above.
    #[test]
    fn a_wide_solve_from_a_small_stack() {
        let n = 600;
        let a = Array2::from_shape_fn((n, n), |(i, j)| {
            if i == j {
                n as f64
            } else {
                1.0 / (1.0 + (i as f64 - j as f64).abs())
            }
        });
        let b = a.sum_axis(ndarray::Axis(1));
        let x = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || lapack("wide system", || a.solve(&b)))
            .unwrap()
            .join()
            .unwrap()
            .unwrap();
        assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-10));
    }
}
