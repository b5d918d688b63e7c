//! AFL++ entry point: see `faultline_fuzz::zk_script`.

fn main() {
    afl::fuzz!(|data: &[u8]| faultline_fuzz::zk_script(data));
}
