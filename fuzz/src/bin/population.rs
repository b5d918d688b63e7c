//! AFL++ entry point: see `faultline_fuzz::population`.

fn main() {
    afl::fuzz!(|data: &[u8]| faultline_fuzz::population(data));
}
