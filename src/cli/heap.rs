//! How the C allocator treats the large buffers of a trace read.
//!
//! glibc serves a request of at least its *mmap threshold* with a mapping of its own and
//! returns it to the system when freed. The threshold starts at 128 KiB, but glibc raises it to
//! the size of each such buffer that is freed, so after the first few multi-megabyte buffers of
//! a large read, the rest come from the heap and stay resident after they are freed: reading a
//! 5-million-outage file peaked at 185–205 MiB instead of 159 MiB. Fixing the threshold keeps
//! the peak at what is live. Readers reuse their block buffers, so the fixed threshold costs no
//! time.

/// Fixes glibc's mmap threshold at its initial 128 KiB (elsewhere: nothing to do).
pub fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; any value is accepted or refused.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
