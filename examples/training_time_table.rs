//! The closed-form training times T_D(L) at β_c(3) for depths 1–4 and their fitted exponents:
//! the paper's central table, from the library in a dozen lines.
//!
//! `cargo run --release --example training_time_table`

use critical_slowing::model::Protocol;
use critical_slowing::study::training_table;

fn main() -> critical_slowing::Result<()> {
    // η = c/λ* with c = 1/2, every mode within ε = 1 % of its optimum, score at t = 0
    let protocol = Protocol::new(1, 0.5, 1e-2)?;
    let table = training_table(3, &[8, 16, 32, 64, 128], &[1, 2, 3, 4], protocol, 0.0)?;
    println!("{:>5} {:>5} {:>12} {:>10}", "depth", "L", "kappa", "steps");
    for r in &table.rows {
        println!(
            "{:>5} {:>5} {:>12.4e} {:>10}",
            r.depth, r.l, r.kappa, r.steps
        );
    }
    for f in &table.fits {
        match f.predicted_exponent {
            Some(p) => println!(
                "D = {}: T ∝ L^{:.3} (predicted {p:.3})",
                f.depth, f.exponent
            ),
            None => println!(
                "D = {}: T = a + {:.2} ln L (logarithmic)",
                f.depth, f.log_slope
            ),
        }
    }
    Ok(())
}
