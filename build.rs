// Migrations are embedded at compile time: rebuild when they change (diesel#3119).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
