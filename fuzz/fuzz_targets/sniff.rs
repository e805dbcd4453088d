#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    firebreak_fuzz::check_sniff_read(data);
});
