//! AFL++ entry point: see `faultline_fuzz::trace`.

fn main() {
    afl::fuzz!(|data: &[u8]| faultline_fuzz::trace(data));
}
