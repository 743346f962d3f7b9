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
