mod cli;
mod commands;

// glibc's malloc returns large pixel buffers to the kernel on every free, so each
// poster page-faults its buffers in again, and with 2 threads the unmapping
// serialises them (BENCHMARKS.md: allocator). mimalloc keeps them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
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
