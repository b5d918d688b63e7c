//! AFL++ entry point: see `faultline_fuzz::flags`.

fn main() {
    afl::fuzz!(|data: &[u8]| faultline_fuzz::flags(data));
}
