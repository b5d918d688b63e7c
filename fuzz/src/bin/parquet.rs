//! AFL++ entry point: see `faultline_fuzz::parquet`.

fn main() {
    afl::fuzz!(|data: &[u8]| faultline_fuzz::parquet(data));
}
