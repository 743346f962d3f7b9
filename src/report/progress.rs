//! A terminal progress bar per stage (indicatif), as an [`Observer`].

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::progress::Observer;

/// Draws one indicatif bar per stage on standard error.
#[derive(Debug, Default)]
pub struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Observer for Bars {
    fn stage(&self, name: &str, total: u64) {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{msg:34} {bar:30} {pos}/{len} [{elapsed}]")
        {
            bar.set_style(style);
        }
        bar.set_message(name.to_string());
        if let Ok(mut slot) = self.current.lock() {
            if let Some(old) = slot.replace(bar) {
                old.finish();
            }
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(slot) = self.current.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(n);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.current.lock() {
            if let Some(bar) = slot.take() {
                bar.finish();
            }
        }
    }
}
