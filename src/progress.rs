//! Progress of long runs as an observer (as argmin attaches observers to its executor): the
//! studies and trainers report stages and steps to an [`Observer`]; the command-line tool
//! attaches a terminal progress bar ([`crate::report::progress::Bars`]), a library user
//! attaches [`Silent`] or their own.

/// Receives the progress of a run. Every method has a no-op default.
pub trait Observer: Sync {
    /// A stage called `name` starts, with `total` units of work (0 when unknown).
    fn stage(&self, _name: &str, _total: u64) {}
    /// `n` more units of the current stage are done.
    fn advance(&self, _n: u64) {}
    /// The current stage is done.
    fn finish(&self) {}
}

/// Observes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {}

/// An [`Observer`] seen as the Monte Carlo engine's [`crate::mc::Progress`]: a run's stages
/// and sweeps become the observer's stages and units.
#[derive(Clone, Copy)]
pub struct McProgress<'a>(pub &'a dyn Observer);

impl crate::mc::Progress for McProgress<'_> {
    fn start(&self, total: u64, label: &str) {
        self.0.stage(label, total);
    }
    fn advance(&self, n: u64) {
        self.0.advance(n);
    }
    fn finish(&self) {
        self.0.finish();
    }
}
