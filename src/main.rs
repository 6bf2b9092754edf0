mod cli;

// glibc's malloc returns large pixel buffers to the kernel on every free, so each
// poster page-faults its buffers in again, and with 2 threads the unmapping
// serialises them (BENCHMARKS.md: allocator). mimalloc keeps them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
