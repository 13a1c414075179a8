//! Prints the events of each webhook body given on the command line.

fn main() {
    for path in std::env::args().skip(1) {
        let body = std::fs::read(&path).expect("read");
        match aaa_parser::scan(&body) {
            Ok(env) => {
                for e in &env {
                    println!("{path}: {} {}", e.kind(), e.key());
                }
            }
            Err(e) => println!("{path}: error {e}"),
        }
    }
}
