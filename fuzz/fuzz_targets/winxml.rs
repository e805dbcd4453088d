#![no_main]

use firebreak_readers::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    firebreak_fuzz::check_read(Format::WinXml, data);
});
