fn main() {
    eprintln!("cfp-local is being built");
    std::process::exit(2);
}
