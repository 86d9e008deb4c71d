#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    numarun_fuzz::as_file(data, "inventory.yaml", |path| {
        let _ = numarun::model::Inventory::load(path);
    });
});
