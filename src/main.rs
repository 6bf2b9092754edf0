//! The `affiche` binary (feature `cli`): picks the allocator and its settings for a batch,
//! then hands over to `cli`, which parses the flags and runs the command.

mod cli;

// glibc's malloc returns large pixel buffers to the kernel on every free, so each
// poster page-faults its buffers in again, and with 2 threads the unmapping
// serialises them (BENCHMARKS.md: allocator). mimalloc keeps them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc 2's `mi_option_purge_delay` (libmimalloc-sys exports no constant for it; the
/// test below checks the index against the option's documented default).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Freed pages go back to the kernel after 40 ms instead of 10: at 10 the batch page-faulted
    // its buffers in again (about twice the system time, up to 10 % more wall time); mimalloc 3 keeps
    // them 1 s, and the six-preset batch peaked 30-50 MiB higher (BENCHMARKS.md: session 10).
    // A MIMALLOC_PURGE_DELAY set by the user wins.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an integer option; mimalloc reads options atomically.
        unsafe {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 40);
        }
    }
    // No transparent huge pages: mimalloc asks for them, and each fault then zeroes
    // 2 MiB, most of it for buffers a poster frees again; 4 KiB pages gave less
    // system time and 30–60 MB less peak memory on the six-preset batch (BENCHMARKS.md).
    #[cfg(target_os = "linux")]
    // SAFETY: a plain flag on this process; no pointers are passed.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    cli::main()
}

#[cfg(test)]
mod tests {
    #[test]
    fn purge_delay_is_the_option_at_its_index() {
        // mimalloc 2's default purge delay is 10 ms; MIMALLOC_PURGE_DELAY would change it.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads an integer option.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) }, 10);
        }
    }
}
