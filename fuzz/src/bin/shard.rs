//! AFL++ entry point: see `faultline_fuzz::shard`.

fn main() {
    afl::fuzz!(|data: &[u8]| faultline_fuzz::shard(data));
}
