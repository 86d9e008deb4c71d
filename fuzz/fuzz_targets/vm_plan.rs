#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    numarun_fuzz::as_file(data, "plan.json", |path| {
        let _ = numarun::numa::VmPlan::load(path);
    });
});
