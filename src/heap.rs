//! How the C allocator treats memory that is freed: two policies, one per kind of command.
//!
//! glibc serves a request of at least its *mmap threshold* with a mapping of its own and
//! returns it to the system when freed; it also hands the top of the heap back once more than
//! the *trim threshold* is free there. Memory handed back must be paged in anew, a page fault
//! per 4 KiB, when it is asked for again.
//!
//! - **Reading a trace** ([`return_large_buffers_to_the_system`]): the threshold starts at
//!   128 KiB, but glibc raises it to the size of each such buffer that is freed, so after the
//!   first few multi-megabyte buffers of a large read, the rest come from the heap and stay
//!   resident after they are freed: reading a 5-million-outage file peaked at 185–205 MiB
//!   instead of 159 MiB. Fixing the threshold keeps the peak at what is live. Readers reuse
//!   their block buffers, so the fixed threshold costs no time.
//! - **Simulating** ([`keep_freed_memory_for_reuse`]): a run's logs, event slab and timeline
//!   grow by doubling, and a sweep frees one seed's run just before it builds the next. With
//!   the thresholds left alone, every doubling past them was a fresh mapping paged in (and the
//!   old one copied over and unmapped), and every next run paged everything in again: about
//!   a fifth of Multi-Paxos's time went to page faults. Kept, freed memory is reused at once;
//!   the peak is what the largest run needs, as before.

/// Fixes glibc's mmap threshold at its initial 128 KiB (elsewhere: nothing to do).
pub fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; any value is accepted or refused.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Serves every request up to glibc's largest mmap threshold (32 MiB) from the heap and never
/// trims it, so freed memory stays paged in for the next allocation (elsewhere: nothing to do).
pub fn keep_freed_memory_for_reuse() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; any value is accepted or refused.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
    }
}
