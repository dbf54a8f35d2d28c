#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cloud_fuzz::azure(data));
