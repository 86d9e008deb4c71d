fn main() {
    std::process::exit(numarun::cli::main());
}
