#![no_main]

use std::sync::LazyLock;

use numarun::template::Templater;

static TEMPLATER: LazyLock<Templater> = LazyLock::new(Templater::new);

libfuzzer_sys::fuzz_target!(|source: &str| {
    let context = minijinja::context! { vm_memory_gb => 2, pg_version => 15, item => "x", items => vec![1, 2, 3] };
    let _ = TEMPLATER.render("fuzz", source, &context);
});
