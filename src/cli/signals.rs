//! SIGINT and SIGTERM: a handler writes the signal number to a pipe (the only thing it does,
//! async-signal-safe); a thread reading the pipe removes the report's temporary directory
//! ([`critical_slowing::report::writer::abandon_temporaries`]) and exits with 128 + the signal number (130, 143)
//! through `_exit(2)`, skipping library destructors that can deadlock mid-computation.

use std::sync::atomic::{AtomicI32, Ordering};

static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let byte = sig as u8;
    let fd = PIPE_WRITE.load(Ordering::Relaxed);
    // SAFETY: write(2) is async-signal-safe; the buffer is one live byte on this stack.
    unsafe {
        libc::write(fd, (&byte as *const u8).cast(), 1);
    }
}

/// Installs the handlers; without a pipe the default actions stay.
pub fn install() {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe(2) fills the two-element array.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return;
    }
    PIPE_WRITE.store(fds[1], Ordering::Relaxed);
    let read_fd = fds[0];
    std::thread::spawn(move || {
        let mut byte = 0u8;
        // SAFETY: read(2) into one live byte.
        let n = unsafe { libc::read(read_fd, (&mut byte as *mut u8).cast(), 1) };
        if n == 1 {
            critical_slowing::report::writer::abandon_temporaries();
            // _exit, not exit: exit(3) runs library destructors, and OpenBLAS's joins its
            // worker threads, which deadlocks when the signal lands inside a threaded BLAS
            // call (a dsyev in the dense κ stage hung this way). Nothing buffered is lost
            // that a run interrupted before its report would keep.
            // SAFETY: _exit(2) only ends the process.
            unsafe { libc::_exit(128 + i32::from(byte)) }
        }
    });
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: installs a handler that only calls write(2).
        unsafe {
            libc::signal(sig, handler);
        }
    }
}
